"""``calibrate_defaults``: panel medians become the express defaults, in a new version.

    python -m kineco2.manage calibrate_defaults --from-panel campagne-2026 --version 2026.1
    python -m kineco2.manage calibrate_defaults --all-completed --version 2026.1 --dry-run

See :mod:`kineco2.benchmarks.calibration` and docs/benchmarks-panel.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kineco2.benchmarks import calibration, selectors
from kineco2.benchmarks.aggregates import MIN_FIGURES as MIN_PRACTICES
from kineco2.engine.defaults import DEFAULTS_DIR, parse_defaults
from kineco2.engine.formatting import format_number


def _fr(value) -> str:
    """A default's value the French way (``77,7``, ``4 210``); text as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return format_number(value, 0)
    return format_number(value, 3).rstrip("0").rstrip(",")


class Command(BaseCommand):
    help = (
        "Écrit une nouvelle version des valeurs par défaut dont les questions express "
        "prennent la médiane des réponses des cabinets (jamais moins de 15 cabinets ; médiane protégée, voir « Comment nous protégeons les données »)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # ``--version`` names the new defaults version here, not Django's version.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--from-panel",
            metavar="CAMPAGNE",
            help="identifiant (slug) de la campagne : ses participations validées",
        )
        source.add_argument(
            "--all-completed",
            action="store_true",
            help="tous les bilans terminés (le plus récent de chaque cabinet)",
        )
        parser.add_argument("--version", required=True, help="nouvelle version, ex. 2026.1")
        parser.add_argument(
            "--source-version", help="version copiée (par défaut : la plus récente)"
        )
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=DEFAULTS_DIR,
            help="dossier où écrire <version>.yaml (par défaut : celui du moteur)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="affiche les différences sans rien écrire"
        )

    def handle(self, *args, **options):
        try:
            self._handle(options)
        except calibration.CalibrationError as exc:
            raise CommandError(str(exc)) from None

    def _answer_sets(self, options) -> tuple[list[dict], str]:
        if options["from_panel"]:
            slug = options["from_panel"]
            if not selectors.panel_available():
                raise calibration.CalibrationError("L'application du panel n'est pas installée.")
            campaign = selectors.campaign_by_slug(slug)
            if campaign is None:
                raise calibration.CalibrationError(f"Campagne inconnue : « {slug} ».")
            assessments = selectors.assessments_for(
                "panel", year=campaign.reference_year, campaign_slug=slug
            )
            label = f"Panel KinéCO2 {campaign.name}"
        else:
            assessments = selectors.assessments_for("autodiagnostics")
            label = "Autodiagnostics KinéCO2 (bilans terminés)"
        latest: dict[int, dict] = {}
        rows = assessments.order_by("practice_id", "-reference_year").values_list(
            "practice_id", "answers"
        )
        for practice_id, answers in rows:
            latest.setdefault(practice_id, answers or {})
        return list(latest.values()), label

    def _handle(self, options) -> None:
        source_version, source_text = calibration.source_defaults(options["source_version"])
        target = calibration.check_version(
            options["version"], source_version=source_version, output_dir=options["output_dir"]
        )
        answer_sets, label = self._answer_sets(options)
        import yaml

        previous = {
            key: item.value
            for key, item in parse_defaults(yaml.safe_load(source_text)).defaults.items()
        }
        changes = calibration.medians(answer_sets, previous, salt=selectors.disclosure_salt())
        self.stdout.write(
            f"{len(answer_sets)} cabinet(s) — {label} ; version source {source_version}."
        )
        for change in changes:
            if change.accepted:
                self.stdout.write(
                    f"  {change.default_id} : {_fr(change.previous)} → {_fr(change.value)} "
                    f"(médiane d'environ {change.n} cabinets)"
                )
            else:
                self.stdout.write(
                    f"  {change.default_id} : refusé, {change.n} réponse(s) seulement "
                    f"(il en faut au moins {MIN_PRACTICES}) ; la valeur {_fr(change.previous)} "
                    "reste."
                )
        if not any(change.accepted for change in changes):
            raise calibration.CalibrationError(
                f"Aucune valeur ne peut être recalibrée : il faut au moins {MIN_PRACTICES} "
                "cabinets ayant répondu à une même question."
            )
        text = calibration.build_defaults_text(
            source_text,
            source_version=source_version,
            version=options["version"],
            changes=changes,
            provenance=label,
            day=timezone.localdate(),
        )
        calibration.validate_text(text, options["version"], changes)
        if options["dry_run"]:
            self.stdout.write(
                calibration.diff(source_text, text, f"{source_version}.yaml", target.name)
            )
            self.stdout.write("Simulation : aucun fichier écrit.")
            return
        calibration.write_defaults(target, text)
        self.stdout.write(self.style.SUCCESS(f"Écrit : {target}"))
