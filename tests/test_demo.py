"""``load_demo``: idempotent, and every part of the product has something to show afterwards —
the état des lieux, the comparison on the results page, the panel coordination pages."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from kineco2.accounts.models import User
from kineco2.benchmarks.models import AssessmentFigures
from kineco2.panel.models import (
    Campaign,
    Candidate,
    Draw,
    PanelParticipation,
    PanelRole,
    Quota,
    ReviewComment,
)
from kineco2.practices import demo
from kineco2.practices.models import Assessment, Membership, Practice, ResultSnapshot
from kineco2.structures.models import MemberPractice, OtherProfessional, SharedPremises, Structure

pytestmark = pytest.mark.django_db

IDF = "11"
MODELS = (
    User,
    Practice,
    Membership,
    Assessment,
    ResultSnapshot,
    AssessmentFigures,
    Campaign,
    Candidate,
    Quota,
    Draw,
    PanelParticipation,
    PanelRole,
    ReviewComment,
    Structure,
    MemberPractice,
    SharedPremises,
    OtherProfessional,
)


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def state() -> dict:
    """What a second run must not change (beyond the counts)."""
    return {
        "participations": sorted(
            PanelParticipation.objects.values_list(
                "candidate__ref", "status", "practice_id", "invited_at", "validated_at"
            )
        ),
        "snapshots": sorted(ResultSnapshot.objects.values_list("pk", "total_kgco2e")),
        "users": sorted(User.objects.values_list("email", "password", "is_active")),
    }


@pytest.fixture
def world(clear_cache):
    load()
    return Campaign.objects.get(slug=demo.CAMPAIGN_SLUG)


def test_load_demo_twice_creates_everything_once(clear_cache):
    first = load()
    before, snapshot = counts(), state()
    second = load()
    assert counts() == before
    assert state() == snapshot

    demos = User.objects.filter(email__endswith="@kineco2.invalid")
    assert demos.count() == demo.PRACTICES
    assert not demos.filter(is_active=True).exists()
    assert not any(user.has_usable_password() for user in demos)
    assert Practice.objects.filter(memberships__user__in=demos).count() == demo.PRACTICES
    completed = Assessment.objects.filter(
        practice__memberships__user__in=demos, reference_year=2025, completed_at__isnull=False
    )
    assert completed.count() == demo.PRACTICES
    assert (
        Practice.objects.filter(memberships__user__in=demos)
        .exclude(territory__in=["france_continentale", "corse"])
        .exists()
    ), "outre-mer"
    campaign = Campaign.objects.get(slug=demo.CAMPAIGN_SLUG, name=demo.CAMPAIGN_NAME)
    assert campaign.draw.seed == demo.DRAW_SEED and campaign.frozen_at and campaign.drawn_at
    statuses = set(campaign.participations.values_list("status", flat=True))
    assert {"valide", "en_cours", "invite", "desiste"} <= statuses
    assert ReviewComment.objects.exists()

    # the demo physiotherapist: unchanged, still one practice with its two assessments
    physio = User.objects.get(email="demo@kineco2.fr")
    practice = Practice.objects.get(memberships__user=physio)
    assert practice.name == "Cabinet de démonstration" and practice.practitioners == 3
    assert sorted(practice.assessments.values_list("reference_year", flat=True)) == [2024, 2025]
    assert physio.memberships.count() == 1

    # coordinated practice: the MSP with shared premises, its members' shares, the CPTS
    from kineco2.practices.selectors import assessment_result, latest_snapshot
    from kineco2.structures import demo as structures_demo

    msp = Structure.objects.get(name=structures_demo.MSP_NAME)
    assert msp.coordinators.filter(user=physio).exists()
    assert msp.members.count() == 3 and msp.other_professionals.count() == 3
    years = msp.premises.values_list("reference_year", flat=True)
    assert sorted(years) == [2024, 2025]
    for member in msp.members.all():
        for year in (2024, 2025):
            assessment = member.practice.assessments.get(reference_year=year)
            assert latest_snapshot(assessment).data["shared_premises"], (member, year)
            assert assessment_result(assessment, draws=0).shared_premises
    cpts = Structure.objects.get(name=structures_demo.CPTS_NAME, kind="cpts")
    assert cpts.members.count() == 3

    for output in (first, second):
        for email in ("demo@kineco2.fr", demo.NATIONAL_EMAIL, demo.URPS_IDF_EMAIL):
            assert email in output
        assert "demo-kineco2-2025" in output and "Démo prête" in output


def test_etat_des_lieux_shows_regions(client, world):
    response = client.get(reverse("etat_des_lieux"))
    assert response.status_code == 200
    assert response.context["selection"].population == "panel"
    assert response.context["selection"].year == 2025
    # 120 demo practices over 18 regions: under the disclosure rules (11 practices for a
    # count, 15 for a median) the panel is published by zone, size and mode, not by region.
    tables = {t["id"]: t for t in response.context["tables"]}
    for table in ("zone", "size", "mode"):
        assert any(not row["annual"].suppressed for row in tables[table]["rows"]), table
    for row in tables["region"]["rows"]:
        if row["annual"].suppressed:
            assert row["annual"].n is None or "trop peu" in row["annual"].label
    body = response.content.decode()
    assert "Panel KinéCO2" in body
    # the self-diagnoses: the biggest regions
    response = client.get(reverse("etat_des_lieux"), {"population": "autodiagnostics"})
    regions = next(t for t in response.context["tables"] if t["id"] == "region")
    shown = {row["code"] for row in regions["rows"] if not row["annual"].suppressed}
    assert len(shown) >= 2 and "11" in shown, shown
    assert "Outre-mer (ensemble)" in response.content.decode()


def test_results_page_of_the_demo_practice_compares(client, world):
    physio = User.objects.get(email="demo@kineco2.fr")
    assert client.login(email="demo@kineco2.fr", password="demo-kineco2-2025")
    assessment = Assessment.objects.get(practice__memberships__user=physio, reference_year=2025)
    response = client.get(reverse("assessment_results", args=[assessment.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre cabinet parmi les cabinets comparables" in body
    assert "Comparaison avec les" in body
    comparison = response.context["benchmark"].comparison
    # Under the disclosure rules the demo panel rarely has a published zone type × size group:
    # the comparison falls back to the size group.
    assert comparison.group in ("zone_taille", "taille") and comparison.population == "panel"
    # the demo practices are nobody's: the physiotherapist sees their own practice only
    listing = client.get(reverse("practice_list")).content.decode()
    assert "Cabinet de démonstration" in listing and "(démo 0" not in listing


def test_idf_coordinator_sees_ile_de_france_only(client, world):
    assert client.login(email=demo.URPS_IDF_EMAIL, password=demo.PASSWORD)
    slug = world.slug
    others = PanelParticipation.objects.filter(campaign=world).exclude(region_code=IDF)
    own = PanelParticipation.objects.filter(campaign=world, region_code=IDF)
    assert own.exists() and others.exists()
    other_refs = list(others.values_list("candidate__ref", flat=True))
    other_names = list(
        Candidate.objects.filter(campaign=world)
        .exclude(region_code=IDF)
        .values_list("practice_name", flat=True)
    )
    for name, args in (
        ("panel_dashboard", []),
        ("panel_campaign", [slug]),
        ("panel_candidates", [slug]),
        ("panel_followup", [slug]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "Île-de-France" in body, name
        assert demo.CAMPAIGN_NAME in body, name
        for ref in other_refs:
            assert ref not in body, (name, ref)
        for practice_name in other_names:
            assert practice_name not in body, (name, practice_name)
    followup = client.get(reverse("panel_followup", args=[slug])).content.decode()
    for ref in own.values_list("candidate__ref", flat=True):
        assert ref in followup
    assert client.get(reverse("panel_participation", args=[own.first().pk])).status_code == 200
    assert client.get(reverse("panel_participation", args=[others.first().pk])).status_code == 404
    # the coordination's état des lieux: Île-de-France's figures only
    response = client.get(reverse("etat_des_lieux_coordination"))
    assert response.status_code == 200
    assert response.context["selection"].scope == "Île-de-France"
    # the national coordinator sees every region
    client.logout()
    assert client.login(email=demo.NATIONAL_EMAIL, password=demo.PASSWORD)
    followup = client.get(reverse("panel_followup", args=[slug])).content.decode()
    assert all(ref in followup for ref in other_refs)


def test_demo_fills_the_outreach_pages_once(client, world):
    from kineco2.outreach.models import FaqEntry, NewsItem, Webinar

    load()  # twice: nothing duplicated
    assert NewsItem.objects.count() == 2 and Webinar.objects.count() == 2
    assert FaqEntry.objects.count() == 1
    archive = client.get("/actualites/").content.decode()
    assert "Île-de-France : soirée d&#x27;échanges" in archive
    assert "Faut-il laver les draps" in client.get("/ecosoins/faq/").content.decode()


def test_load_demo_refuses_to_run_in_production(settings):
    """Issue 9: it creates a national coordinator with a published password."""
    from django.core.management import CommandError

    settings.KINECO2_PRODUCTION = True
    with pytest.raises(CommandError, match="ne se charge pas en production"):
        call_command("load_demo", stdout=io.StringIO())
    assert not User.objects.filter(email=demo.NATIONAL_EMAIL).exists()
    assert not Practice.objects.exists()
