"""Load the MSP, centres de santé and CPTS of the official FINESS extract into the directory.

Usage: ``python -m kineco2.manage load_finess etalab-cs1100507-stock-AAAAMMJJ-HHMM.csv``
(the « FINESS Extraction du Fichier des établissements » file of data.gouv.fr, downloaded by
hand; the ``cs1100507`` file carries the geolocation, ``cs1100502`` does not). The file is
read line by line; establishments are created or updated by FINESS number in bulk;
``--replace`` also removes those no longer in the file.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kineco2.structures.finess import FinessFormatError, parse, read_lines
from kineco2.structures.models import FinessEstablishment

FIELDS = (
    "name",
    "category_code",
    "kind",
    "address",
    "postal_code",
    "commune_code",
    "commune_name",
    "departement",
    "phone",
    "opened_on",
    "latitude",
    "longitude",
    "located",
)
BATCH = 500


class Command(BaseCommand):
    help = "Charge l'annuaire des MSP, centres de santé et CPTS depuis l'extrait FINESS."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args, path: Path, replace: bool, **options):
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        started = time.process_time()
        try:
            extract = parse(read_lines(path))
        except FinessFormatError as exc:
            raise CommandError(str(exc)) from None
        numbers = [e.finess for e in extract.establishments]
        with transaction.atomic():
            existing = set()
            for start in range(0, len(numbers), BATCH):
                existing.update(
                    FinessEstablishment.objects.filter(
                        finess__in=numbers[start : start + BATCH]
                    ).values_list("finess", flat=True)
                )
            objects = [
                FinessEstablishment(
                    finess=e.finess,
                    extract_date=extract.extract_date,
                    **{name: getattr(e, name) for name in FIELDS},
                )
                for e in extract.establishments
            ]
            FinessEstablishment.objects.bulk_create(
                objects,
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["finess"],
                update_fields=[*FIELDS, "extract_date"],
            )
            removed = 0
            if replace:
                kept = set(numbers)
                stale = [
                    pk
                    for pk, number in FinessEstablishment.objects.values_list("pk", "finess")
                    if number not in kept
                ]
                for start in range(0, len(stale), BATCH):
                    removed += FinessEstablishment.objects.filter(
                        pk__in=stale[start : start + BATCH]
                    ).delete()[0]
        created = len(set(numbers) - existing)
        updated = len(numbers) - created
        self.stdout.write(
            f"{created} établissement(s) ajouté(s), {updated} mis à jour, {removed} retiré(s) "
            f"(extrait du {extract.extract_date or 'date inconnue'}) ; "
            f"{extract.lines} lignes lues, {extract.structureet} établissements dans le "
            f"fichier, {extract.skipped} d'autres catégories ignorés, "
            f"{extract.malformed} ligne(s) illisible(s) ; {extract.geolocated} placé(s) à leur "
            f"adresse, les autres au centre de leur commune ({extract.rejected_points} "
            f"position(s) écartée(s)) ; {time.process_time() - started:.1f} s de calcul."
        )
