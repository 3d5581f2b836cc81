"""Development e-mail backend: the console, readable.

Django's console backend prints the MIME message as sent: a French text is encoded
quoted-printable, so « é » prints as ``=C3=A9`` and a long link is cut by a soft line break
(``…=\\n…``) that a developer cannot click. This backend prints the headers and the decoded
text, each link whole on its own line.
"""

from __future__ import annotations

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class ConsoleBackend(DjangoConsoleBackend):
    def write_message(self, message) -> None:
        lines = [
            f"Subject: {message.subject}",
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        lines += ["", str(message.body).rstrip("\n"), "-" * 79, ""]
        self.stream.write("\n".join(lines) + "\n")
