"""Driving the Textual chat with Pilot: waiting for a condition, sending a message, a whole turn."""

from __future__ import annotations


async def wait_until(pilot, condition, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


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
    await pilot.pause(0.1)
