"""``send_panel_reminders``: e-mail the drawn practices whose assessment is not finished.

Run it once a day (cron or a systemd timer, see ``docs/panel.md``). A participation is
reminded when its status is « invité » or « en cours », its assessment of the reference year
is not completed, the campaign's collection is not over, and its last reminder (or its
invitation) is older than ``--days`` days. Never twice the same day: running the command
again on the same day sends nothing.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from kineco2.panel import services


class Command(BaseCommand):
    help = (
        "Relance par e-mail les cabinets tirés au sort dont le bilan n'est pas terminé "
        "(statut invité ou en cours)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="relancer si la dernière relance (ou l'invitation) date d'au moins N jours "
            "(7 par défaut)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="affiche les cabinets qui seraient relancés, sans rien envoyer ni enregistrer",
        )
        parser.add_argument(
            "--base-url",
            default=os.environ.get("KINECO2_BASE_URL", "http://127.0.0.1:8000"),
            help="adresse du site dans les liens des e-mails (variable KINECO2_BASE_URL)",
        )

    def handle(self, *args, days: int, dry_run: bool, base_url: str, **options):
        if days < 0:
            raise CommandError("--days doit être un nombre de jours positif ou nul.")
        due = services.send_reminders(days=days, dry_run=dry_run, base_url=base_url.rstrip("/"))
        verb = "serait relancé" if dry_run else "relancé"
        for participation in due:
            self.stdout.write(
                f"{participation.candidate.ref} ({participation.candidate.email}) — "
                f"{participation.campaign.name} : {verb}"
            )
        total = len(due)
        summary = f"{total} cabinet{'s' if total > 1 else ''} "
        summary += "à relancer (essai : rien n'est envoyé)." if dry_run else "relancé"
        if not dry_run:
            summary += "s." if total > 1 else "."
        self.stdout.write(summary)
