"""Coordinators see their perimeter only (server-side), under the same disclosure control;
the « panel » population is the validated participations."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.benchmarks.conftest import BRETAGNE, REUNION

roles = pytest.importorskip(
    "kineco2.panel.roles", reason="kineco2.panel.roles absent : pas de rôle de coordination"
)
testing = pytest.importorskip("kineco2.panel.testing", reason="kineco2.panel.testing absent")

pytestmark = pytest.mark.django_db


@pytest.fixture
def urps_bretagne(client, user):
    testing.urps(user, BRETAGNE)
    client.force_login(user)
    return client


@pytest.fixture
def urps_reunion(client, user):
    testing.urps(user, REUNION)
    client.force_login(user)
    return client


def region_codes(cases) -> set[str]:
    return {c["groupe"] for c in cases if c["dimension"] == "region"}


def national_total(cases):
    return next(
        c for c in cases
        if c["dimension"] == "national" and c["poste"] == "total" and c["indicateur"] == "annuel"
    )  # fmt: skip


def test_urps_of_region_a_gets_nothing_of_region_b(urps_bretagne, small_cells):
    client = urps_bretagne
    html = client.get(reverse("etat_des_lieux_coordination")).content.decode()
    assert "Bretagne" in html
    assert "La Réunion" not in html
    assert "Environ 15 cabinets" in html
    payload = client.get(reverse("etat_des_lieux_coordination_api")).json()
    assert payload["perimetre"] == "Bretagne"
    assert region_codes(payload["cases"]) == {BRETAGNE}
    assert national_total(payload["cases"])["n_cabinets"] == 15  # Réunion's 4 are not counted
    # The « 1 kiné » and « seul » cells are Réunion's only: empty here, hence suppressed.
    for case in payload["cases"]:
        if case["groupe"] in ("1", "seul", "ville_moyenne_petite"):
            assert case["n_cabinets"] is None
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("etat_des_lieux_coordination_csv")).content.decode()),
            delimiter=";",
        )
    )
    assert {r["groupe"] for r in rows if r["dimension"] == "region"} == {BRETAGNE}
    assert "La Réunion" not in {r["libelle_groupe"] for r in rows}
    pdf = client.get(reverse("etat_des_lieux_coordination_pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_urps_of_a_region_of_four_sees_no_figure(urps_reunion, small_cells):
    payload = urps_reunion.get(reverse("etat_des_lieux_coordination_api")).json()
    assert region_codes(payload["cases"]) == {REUNION}
    assert all(c["n_cabinets"] is None for c in payload["cases"])
    html = urps_reunion.get(reverse("etat_des_lieux_coordination")).content.decode()
    assert "Bretagne" not in html


def test_national_coordinator_sees_every_region(client, user, small_cells):
    testing.national(user)
    client.force_login(user)
    payload = client.get(reverse("etat_des_lieux_coordination_api")).json()
    assert {BRETAGNE, REUNION} <= region_codes(payload["cases"])
    assert national_total(payload["cases"])["n_cabinets"] == 25


def test_coordination_needs_a_role(client, user, small_cells):
    page = reverse("etat_des_lieux_coordination")
    assert client.get(page).status_code == 302  # anonymous: to the login page
    assert client.get(reverse("etat_des_lieux_coordination_api")).status_code == 401
    client.force_login(user)  # no panel role
    assert client.get(page).status_code == 403
    assert client.get(reverse("etat_des_lieux_coordination_csv")).status_code == 403
    assert client.get(reverse("etat_des_lieux_coordination_api")).status_code == 403


def test_panel_population_is_the_validated_participations(client, small_cells):
    from kineco2.panel.models import PanelParticipation, ParticipationStatus

    bretagne, reunion = small_cells
    campaign = testing.make_campaign("closed", reference_year=2025)
    for index, practice in enumerate(bretagne + reunion):
        candidate = testing.make_candidate(campaign, practice.postal_code)
        PanelParticipation.objects.create(
            campaign=campaign,
            candidate=candidate,
            region_code=practice.region_code,
            quota_index=0,
            practice=practice,
            status=ParticipationStatus.VALIDE if index < 13 else ParticipationStatus.COMPLET,
        )
    payload = client.get(reverse("etat_des_lieux_api"), {"population": "panel"}).json()
    assert payload["population"] == "panel"
    assert region_codes(payload["cases"]) >= {BRETAGNE, REUNION}
    assert national_total(payload["cases"])["n_cabinets"] == 15  # 13 validated, rounded
    # Bretagne: 13 in the panel, 15 self-diagnoses: 2 would come back by difference.
    bretagne_panel = [c for c in payload["cases"] if c["groupe"] == BRETAGNE]
    assert all(c["n_cabinets"] is None for c in bretagne_panel)
    html = client.get(reverse("etat_des_lieux")).content.decode()
    assert "Population : Panel KinéCO2" in html  # the default once the panel has results
    other_year = testing.make_campaign("closed", reference_year=2024)
    assert other_year  # a campaign of another year does not validate 2025 assessments
    payload = client.get(
        reverse("etat_des_lieux_api"), {"population": "panel", "annee": "2024"}
    ).json()
    assert national_total(payload["cases"])["n_cabinets"] is None
