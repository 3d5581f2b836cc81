"""``calibrate_defaults``: panel medians become a new, valid, documented defaults version."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from kineco2.benchmarks.calibration import CALIBRATIONS, is_express
from kineco2.engine.defaults import DEFAULTS_DIR, latest_version, load_defaults, parse_defaults
from kineco2.practices.answers import STEPS, field_specs
from tests.benchmarks.conftest import make_practice

pytestmark = pytest.mark.django_db

#: (practitioners, sessions, surface, home %, electricity kWh, heating, heating kWh)
SEVEN = [
    (1, 4000, 30, 5, 2400, "gaz", 4000),
    (2, 9000, 80, 10, 5000, "fioul", 9000),
    (3, 12600, 90, 12, 7000, "electricite", None),
    (2, 8200, 64, 8, None, None, None),
    (4, 18000, 150, 20, 12000, "gaz", 22_000),
    (1, 4500, 40, 0, 3000, "reseau_chaleur", 5000),
    (2, 8600, 70, 10, 5600, "gaz", 15_600),
]
#: 21 practices (a median needs 15).
PRACTICES = SEVEN * 3


def protected(values):
    """The window of the protected median (mean of the 5 middle values), before its ±3 %."""
    ordered = sorted(values)
    n = len(ordered)
    centre = (n - 1) // 2
    return sum(ordered[centre - 2 : centre + 3]) / 5


def answers(n, sessions, surface, home, electricity, heating, heating_kwh):
    data = {
        "profile": {
            "commune": "35000",
            "practitioners": n,
            "practice_mode": "groupe",
            "sessions_per_year": sessions,
            "surface_m2": surface,
            "home_visit_percent": home,
        },
        "energie": {},
        "materiel": {"electric_tables": n + 1},
    }
    if electricity is not None:
        data["energie"]["electricity_kwh"] = electricity
    if heating is not None:
        data["energie"]["heating_energy"] = heating
    if heating_kwh is not None:
        data["energie"]["heating_kwh"] = heating_kwh
    return data


def completed(rows, year=2025):
    from kineco2.practices.models import Assessment

    practices = []
    for row in rows:
        practice = make_practice("35000", practitioners=row[0])
        Assessment.objects.create(
            practice=practice,
            reference_year=year,
            answers=answers(*row),
            completed_at=timezone.now(),
        )
        practices.append(practice)
    return practices


def run(*args):
    out = StringIO()
    call_command("calibrate_defaults", *args, stdout=out)
    return out.getvalue()


def test_every_numeric_express_question_with_a_default_is_calibrated():
    defaults = load_defaults().defaults
    expected = {
        spec.default_id
        for step in STEPS
        for spec in field_specs(step)
        if spec.express and spec.kind in ("number", "integer") and spec.default_id in defaults
    }
    active = {c.default_id for c in CALIBRATIONS if is_express(c.question)}
    assert active == expected


def test_writes_a_valid_new_version_with_the_medians(tmp_path):
    from kineco2.practices.models import Assessment

    first = completed(PRACTICES)[0]
    Assessment.objects.create(  # an older year of a practice: only its latest counts
        practice=first,
        reference_year=2024,
        answers=answers(1, 14_000, 500, 80, 1, "gaz", 1),
        completed_at=timezone.now(),
    )
    output = run("--all-completed", "--version", "2026.2", "--output-dir", str(tmp_path))
    target = tmp_path / "2026.2.yaml"
    assert target.exists()
    assert not (DEFAULTS_DIR / "2026.2.yaml").exists()  # nothing written into the repository
    text = target.read_text(encoding="utf-8")
    parsed = parse_defaults(yaml.safe_load(text))
    assert parsed.version == "2026.2"
    assert parsed.factors_version == load_defaults().factors_version

    sessions = protected([s / n for n, s, *_ in PRACTICES])
    surface = protected([a / n for n, _, a, *_ in PRACTICES])
    home = protected([p[3] for p in PRACTICES])
    assert parsed["sessions_per_practitioner"].value == pytest.approx(sessions, rel=0.031)
    assert parsed["surface_per_practitioner"].value == pytest.approx(surface, rel=0.031)
    assert parsed["home_visit_percent"].value == pytest.approx(home, rel=0.031)
    item = parsed["sessions_per_practitioner"]
    assert item.quality == "publie"
    assert item.source.startswith(
        "Autodiagnostics KinéCO2 (bilans terminés), médiane d'environ 20 cabinets"
    )
    assert item.uncertainty_pct == load_defaults()["sessions_per_practitioner"].uncertainty_pct
    # The previous value is kept in a comment.
    previous = load_defaults()["sessions_per_practitioner"].value
    assert f"# Version {latest_version()} : value {previous}" in text
    # Electricity per m²: practices whose declared heating is not electric (15 of them).
    electricity = [80, 62.5, 80, 75, 80] * 3
    assert parsed["electricity_kwh_per_m2"].value == pytest.approx(
        protected(electricity), rel=0.035
    )
    # Heating per m²: fuel bills only, gas bills (kWh PCS) brought back to kWh PCI.
    heating = [4000 / 1.111 / 30, 9000 / 80, 22_000 / 1.111 / 150, 5000 / 40, 15_600 / 1.111 / 70]
    assert parsed["heating_kwh_per_m2"].value == pytest.approx(protected(heating * 3), rel=0.031)
    # No published median is one practice's answer.
    assert parsed["surface_per_practitioner"].value not in {a / n for n, _, a, *_ in SEVEN}
    # Nobody answered the home-visit distance: refused, the previous value stays.
    assert parsed["home_visit_round_trip_km"] == load_defaults()["home_visit_round_trip_km"]
    assert "home_visit_round_trip_km : refusé, 0 réponse(s) seulement" in output
    # Not an express question (any more): not calibrated.
    assert parsed["electric_tables"] == load_defaults()["electric_tables"]
    assert "electric_tables" not in output
    # Untouched entries keep their source and quality.
    assert parsed["laundry_service_eur"] == load_defaults()["laundry_service_eur"]
    assert "Écrit" in output


def test_refuses_medians_of_fewer_than_fifteen(tmp_path):
    completed(SEVEN * 2)
    with pytest.raises(CommandError, match="au moins 15"):
        run("--all-completed", "--version", "2026.2", "--output-dir", str(tmp_path))
    assert not (tmp_path / "2026.2.yaml").exists()


def test_never_overwrites_a_version(tmp_path):
    completed(PRACTICES)
    (tmp_path / "2026.2.yaml").write_text("déjà publié", encoding="utf-8")
    with pytest.raises(CommandError, match="existe déjà"):
        run("--all-completed", "--version", "2026.2", "--output-dir", str(tmp_path))
    assert (tmp_path / "2026.2.yaml").read_text(encoding="utf-8") == "déjà publié"
    with pytest.raises(CommandError, match="postérieure"):
        run("--all-completed", "--version", latest_version(), "--output-dir", str(tmp_path))
    with pytest.raises(CommandError, match="Version invalide"):
        run("--all-completed", "--version", "v2", "--output-dir", str(tmp_path))


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path):
    completed(PRACTICES)
    output = run(
        "--all-completed", "--version", "2026.2", "--output-dir", str(tmp_path), "--dry-run"
    )
    assert not (tmp_path / "2026.2.yaml").exists()
    assert f"--- {latest_version()}.yaml" in output and "+++ 2026.2.yaml" in output
    assert '+version: "2026.2"' in output
    assert "Simulation : aucun fichier écrit." in output


def test_from_panel(tmp_path):
    panel = pytest.importorskip("kineco2.panel.testing", reason="application panel absente")
    from kineco2.panel.models import PanelParticipation, ParticipationStatus
    from kineco2.practices.models import Assessment

    with pytest.raises(CommandError, match="Campagne inconnue"):
        run("--from-panel", "inconnue", "--version", "2026.2", "--output-dir", str(tmp_path))
    campaign = panel.make_campaign("closed", reference_year=2025, name="Panel 2025")
    completed(PRACTICES)
    for index, assessment in enumerate(Assessment.objects.select_related("practice")):
        PanelParticipation.objects.create(
            campaign=campaign,
            candidate=panel.make_candidate(campaign, "35000"),
            region_code="53",
            quota_index=0,
            practice=assessment.practice,
            status=ParticipationStatus.VALIDE if index < 16 else ParticipationStatus.EN_COURS,
        )
    output = run(
        "--from-panel", campaign.slug, "--version", "2026.2", "--output-dir", str(tmp_path)
    )
    assert "16 cabinet(s) — Panel KinéCO2 Panel 2025" in output
    parsed = parse_defaults(yaml.safe_load((tmp_path / "2026.2.yaml").read_text("utf-8")))
    assert parsed["sessions_per_practitioner"].source.startswith(
        "Panel KinéCO2 Panel 2025, médiane d'environ 15 cabinets, "
    )
