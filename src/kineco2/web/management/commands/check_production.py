"""Check that every piece of a production deployment is there (docs/deployment.md)."""

import sys

from django.core.management.base import BaseCommand

from kineco2.web.production import problems


class Command(BaseCommand):
    help = "Vérifie la configuration de production (clé, PostgreSQL, Redis, SMTP, adresse, migrations)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sans-connexion",
            action="store_true",
            dest="offline",
            help="Ne vérifier que les réglages, sans se connecter à la base ni à Redis.",
        )

    def handle(self, *args, offline: bool, **options):
        found = problems(connect=not offline)
        if found:
            self.stderr.write("Il manque :")
            for problem in found:
                self.stderr.write(f"- {problem}")
            sys.exit(1)
        self.stdout.write("Configuration de production complète.")
