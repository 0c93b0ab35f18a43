"""Deliver messages over SMTP, retrying transient failures."""

import time

from mailer import settings
from mailer.templates import render


def send(transport, to, template, **values):
    """Render template and hand it to transport.deliver, retrying on ConnectionError."""
    body = render(template, **values)
    for attempt in range(1, settings.SEND_ATTEMPTS + 1):
        try:
            return transport.deliver(settings.FROM_ADDRESS, to, body)
        except ConnectionError:
            if attempt == settings.SEND_ATTEMPTS:
                raise
            time.sleep(settings.BACKOFF_S * attempt)
