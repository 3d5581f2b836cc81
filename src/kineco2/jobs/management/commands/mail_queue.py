"""Outgoing e-mail queue: counts per status, stuck messages, recovery of lost tasks."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from kineco2.jobs import mail as jobs_mail
from kineco2.jobs.models import EmailStatus


class Command(BaseCommand):
    help = "File d'envoi des e-mails : comptes par statut, messages bloqués, relance des tâches perdues."

    def add_arguments(self, parser):
        parser.add_argument(
            "--requeue-lost",
            action="store_true",
            help="Remettre en file les messages en attente depuis plus d'une heure (tâche perdue).",
        )

    def handle(self, *args, requeue_lost: bool, **options):
        counts = jobs_mail.status_counts()
        labels = dict(EmailStatus.choices)
        for status, label in labels.items():
            self.stdout.write(f"{label:<20} {counts.get(status, 0):>8}")
        stale = jobs_mail.stale_sending(timedelta(minutes=30))
        if stale.exists():
            self.stdout.write(
                self.style.WARNING(
                    f"{stale.count()} message(s) bloqué(s) en « envoi en cours » depuis plus de "
                    "30 minutes (worker arrêté pendant l'envoi) : vérifiez le serveur SMTP avant "
                    "de les renvoyer à la main ; ils ne sont jamais renvoyés automatiquement."
                )
            )
        if requeue_lost:
            n = jobs_mail.requeue_lost()
            self.stdout.write(f"{n} message(s) remis en file.")
