"""Load the MSP, centres de santé and CPTS of the official FINESS extract into the directory.

Usage: ``python -m kineco2.manage load_finess etalab-cs1100507-stock-AAAAMMJJ-HHMM.csv``
(the « FINESS Extraction du Fichier des établissements » file of data.gouv.fr, downloaded by
hand). Establishments are created or updated by FINESS number; ``--replace`` also removes
those no longer in the file.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kineco2.structures.finess import FinessFormatError, parse, read_text
from kineco2.structures.models import FinessEstablishment


class Command(BaseCommand):
    help = "Charge l'annuaire des MSP, centres de santé et CPTS depuis l'extrait FINESS."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args, path: Path, replace: bool, **options):
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            extract_date, rows = parse(read_text(path))
            establishments = list(rows)
        except FinessFormatError as exc:
            raise CommandError(str(exc)) from None
        created = updated = 0
        with transaction.atomic():
            for item in establishments:
                _, was_created = FinessEstablishment.objects.update_or_create(
                    finess=item.finess,
                    defaults={
                        "name": item.name,
                        "category_code": item.category_code,
                        "kind": item.kind,
                        "address": item.address,
                        "postal_code": item.postal_code,
                        "commune_code": item.commune_code,
                        "commune_name": item.commune_name,
                        "departement": item.departement,
                        "phone": item.phone,
                        "opened_on": item.opened_on,
                        "extract_date": extract_date,
                    },
                )
                created += was_created
                updated += not was_created
            removed = 0
            if replace:
                removed, _ = FinessEstablishment.objects.exclude(
                    finess__in=[e.finess for e in establishments]
                ).delete()
        self.stdout.write(
            f"{created} établissement(s) ajouté(s), {updated} mis à jour, {removed} retiré(s) "
            f"(extrait du {extract_date or 'date inconnue'})."
        )
