"""An e-mail backend that fails a given number of times, then behaves like locmem."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

FAILURES = {"remaining": 0}


class FlakyBackend(LocmemBackend):
    def send_messages(self, messages):
        if FAILURES["remaining"] > 0:
            FAILURES["remaining"] -= 1
            raise smtplib.SMTPServerDisconnected("connexion perdue (simulée)")
        return super().send_messages(messages)
