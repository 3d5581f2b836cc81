"""``recompute_snapshots``: every assessment's latest result under a new factor version.

    python -m kineco2.manage recompute_snapshots                    # the current version
    python -m kineco2.manage recompute_snapshots --factors-version 2026.1

Vectorised (activity matrix × factors); one by one when a method parameter changed. A new
snapshot is stored for each assessment; progress is printed on stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kineco2.benchmarks.services import DEFAULT_CHUNK, default_workers, recompute_snapshots
from kineco2.engine.defaults import load_defaults
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factors import load_factors


def _plain(text: str) -> str:
    return text


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0s"


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


class Command(BaseCommand):
    help = (
        "Recalcule le dernier résultat de chaque bilan avec une version des facteurs "
        "d'émission et l'enregistre (nouvel instantané)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--factors-version",
            help="version des facteurs (par défaut : celle des valeurs par défaut en vigueur)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="recalcule aussi les résultats déjà produits avec cette version",
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
        parser.add_argument(
            "--workers",
            type=int,
            help="processus de calcul (par défaut : jusqu'à 4 selon les cœurs disponibles)",
        )

    def handle(self, *args, **options):
        version = options["factors_version"] or load_defaults().factors_version or None
        try:
            factors = load_factors(version)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from None
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size doit être un entier positif.")
        workers = options["workers"] if options["workers"] is not None else default_workers()
        if workers < 1:
            raise CommandError("--workers doit être un entier positif.")
        interactive = self.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if not total:
                return
            percent = 100 * done // total if total else 100
            text = f"{_thousands(done)} / {_thousands(total)} ({percent}\u00a0%)"
            if interactive:  # one line, rewritten in place
                text = "\r" + text + ("\n" if done >= total else "")
            else:
                text += "\n"
            self.stderr.write(text, style_func=_plain, ending="")
            self.stderr.flush()

        report = recompute_snapshots(
            factors=factors,
            chunk_size=options["chunk_size"],
            progress=progress,
            force=options["force"],
            workers=workers,
        )
        if not report.total:
            self.stdout.write(
                f"Rien à recalculer : chaque résultat est déjà en version {factors.version} "
                "(--force pour tout recalculer)."
            )
            return
        self.stdout.write(
            f"Facteurs {factors.version} : {_thousands(report.stored)} résultat(s) "
            f"enregistré(s) sur {_thousands(report.total)} en {_seconds(report.seconds)} "
            f"(+ {_seconds(report.sync_seconds)} pour l'état des lieux) "
            f"({_thousands(report.batch)} par le calcul vectorisé, "
            f"{_thousands(report.scalar)} recalculé(s) un par un)."
        )
        for assessment_id, message in report.failed[:20]:
            self.stderr.write(f"Bilan {assessment_id} non recalculé : {message}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} bilan(s) n'ont pas pu être recalculés.")
