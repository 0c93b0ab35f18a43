"""Mailer settings; each can be overridden by an environment variable of the same name."""

import os

SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
SMTP_PORT = int(os.environ.get("SMTP_PORT", "2525"))
SEND_ATTEMPTS = int(os.environ.get("SEND_ATTEMPTS", "4"))
BACKOFF_S = float(os.environ.get("BACKOFF_S", "1.5"))
FROM_ADDRESS = os.environ.get("FROM_ADDRESS", "noreply@example.org")
