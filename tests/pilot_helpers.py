"""Driving the Textual chat with Pilot: waiting for a condition, sending a message, a whole turn.

Tests wait for what they are about (a widget, a count, a message shown), never a fixed time:
the deadline only bounds a wait that a healthy run ends in a fraction of (tests/waiting.py).
"""

from __future__ import annotations

import time

from tests.waiting import DEADLINE_S


async def wait_until(pilot, condition, timeout=DEADLINE_S):
    """Let the app run until ``condition()`` holds; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met in {timeout:g} s")
        await pilot.pause(0.05)


async def ready(pilot):
    await wait_until(pilot, lambda: pilot.app.session is not None)


async def say(pilot, text: str):
    pilot.app.prompt.set_text(text)
    await pilot.press("enter")


async def turn(pilot, text: str):
    """Send ``text`` and wait for the turn to finish."""
    done = pilot.app.turns_done
    await say(pilot, text)
    await wait_until(pilot, lambda: pilot.app.turns_done > done)
    await pilot.pause()  # the messages the turn's end posted are handled
