"""Create or update the catalogue's rows from the data file (idempotent).

Also run by ``setup_reference`` (``make run``) through ``EcosoinsConfig.load_reference_data``.
The rule for texts edited by a moderator is described in ``docs/ecosoins.md``.
"""

from django.core.management.base import BaseCommand, CommandError

from kineco2.ecosoins.services import sync_catalogue
from kineco2.engine.errors import ReferenceDataError


class Command(BaseCommand):
    help = "Synchronise le catalogue d'écosoins de la base avec le fichier de données."

    def handle(self, *args, **options):
        try:
            report = sync_catalogue()
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
