"""Send templated e-mails."""

from mailer.sender import send
from mailer.templates import render

__all__ = ["render", "send"]
