"""``recompute_version``: every stored assessment's figures under a methodology version.

    python -m kineco2.manage recompute_version 2026.1              # run (or resume) here
    python -m kineco2.manage recompute_version 2026.1 --queue      # as a background job

The stored results are not modified: the figures are written beside them (the maintainers'
page « effet sur le panel » reads them). Interrupted, the same command carries on where it
stopped without writing anything twice.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kineco2.engine.errors import ReferenceDataError
from kineco2.methodology.services import DEFAULT_CHUNK, run_job, start_job


class Command(BaseCommand):
    help = (
        "Recalcule le dernier résultat enregistré de chaque bilan avec une version de la "
        "méthode, à côté du résultat enregistré (reprend là où un recalcul interrompu s'est "
        "arrêté)."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="version de la méthode, par exemple 2026.1")
        parser.add_argument(
            "--queue", action="store_true", help="confier le recalcul à la file de tâches"
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
        parser.add_argument("--workers", type=int, default=None, help="processus de calcul")

    def handle(self, *args, **options):
        try:
            job = start_job(options["version"])
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from None
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size doit être un entier positif.")
        if options["queue"]:
            from kineco2.methodology.tasks import recompute_version

            recompute_version.enqueue(job.pk)
            self.stdout.write(f"Recalcul de la version {job.version} confié à la file de tâches.")
            return

        def progress(done: int, total: int) -> None:
            percent = 100 * done // total if total else 100
            self.stderr.write(f"{done} / {total} ({percent} %)")

        job = run_job(
            job, chunk_size=options["chunk_size"], workers=options["workers"], progress=progress
        )
        self.stdout.write(
            f"Version {job.version} : {job.done} bilan(s) recalculé(s) sur {job.total} en "
            f"{job.seconds:.1f} s".replace(".", ",")
            + f" ({job.batch} par le calcul vectorisé, {job.scalar} un par un"
            + (f", {job.failed} impossible(s) : réponses incomplètes" if job.failed else "")
            + ")."
        )
