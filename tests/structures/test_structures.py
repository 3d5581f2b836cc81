"""Structures: invitations, access matrix, shares in member assessments, consolidated report."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.urls import reverse

from kineco2.engine.allocation import REPLACED_POSTS, SHARE_ITEM_PREFIX, to_grams
from tests.structures.conftest import completed_assessment

pytestmark = pytest.mark.django_db


def test_coordinator_creates_a_structure_and_invites_a_practice(
    client, coordinator, practice, user
):
    client.force_login(coordinator)
    response = client.post(
        reverse("structure_create"),
        {"kind": "msp", "name": "MSP du Colombier", "commune": "35000", "finess": "35 0012345"},
    )
    from kineco2.structures.models import Structure

    structure = Structure.objects.get(name="MSP du Colombier")
    assert response.status_code == 302
    assert structure.finess == "350012345"
    assert structure.commune_name == "Rennes"
    response = client.post(
        reverse("structure_invite", args=[structure.pk]),
        {"kind": "cabinet", "email": user.email, "role": ""},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(w for w in mail.outbox[0].body.split() if "/structures/invitation/" in w)
    # The practice's titulaire accepts, sharing its footprint.
    client.force_login(user)
    page = client.get(link)
    assert "Jamais vos réponses" in page.content.decode() or "jamais" in page.content.decode()
    response = client.post(link, {"practice": practice.pk, "share_footprint": "on"})
    assert response.status_code == 302
    member = structure.members.get()
    assert member.practice == practice and member.share_footprint
    assert member.headcount == practice.practitioners
    # The same link cannot be used twice.
    assert client.get(link).status_code == 410


def test_bad_input_is_a_french_message_not_a_500(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("structure_create"),
        {"kind": "msp", "name": "X", "commune": "99999", "finess": "12"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "9 caractères" in text


def test_only_a_titulaire_can_make_a_practice_join(client, structure, coordinator, other_user):
    from kineco2.structures.services import invitation_create

    invitation = invitation_create(
        structure=structure, kind="cabinet", email=other_user.email, invited_by=coordinator
    )
    client.force_login(other_user)  # titulaire of other_practice only if fixture exists
    response = client.post(
        reverse("structure_invitation", args=[invitation.token]), {"practice": 999999}
    )
    assert response.status_code == 400
    assert not structure.members.exists()


def test_premises_form_keeps_what_was_typed_and_explains(client, structure, coordinator, members):
    client.force_login(coordinator)
    url = reverse("structure_premises", args=[structure.pk, 2025])
    response = client.post(url, {"energie-electricity_kwh": "douze mille", "froid-ac_units": "2"})
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "douze mille" in text and "n'est pas un nombre" in text
    assert not structure.premises.exists()
    response = client.post(
        url,
        {
            "energie-electricity_kwh": "42 000",
            "energie-heating_energy": "gaz",
            "energie-heating_kwh": "61000",
        },
    )
    assert response.status_code == 302
    assert structure.premises.get().answers["energie"]["electricity_kwh"] == 42000


def test_each_member_assessment_receives_its_share_and_shares_add_up(
    structure, members, premises, practice, other_practice
):
    from kineco2.practices.selectors import assessment_result
    from kineco2.structures import selectors

    mine = completed_assessment(practice)
    theirs = completed_assessment(other_practice)
    computation = selectors.premises_computation(structure, premises)
    allocation = computation.allocation
    assert sum(s.grams for s in allocation.shares) == allocation.total_grams
    received = 0
    for assessment, member in ((mine, members[0]), (theirs, members[1])):
        result = assessment_result(assessment, draws=0)
        shared = [ln for ln in result.lines if ln.item.startswith(SHARE_ITEM_PREFIX)]
        assert shared, "the member's assessment includes its share"
        assert all("part des locaux partagés" in ln.label for ln in shared)
        # Its own energy bills (7 800 kWh) are no longer used: the building's are.
        for post in REPLACED_POSTS:
            assert all(ln.item.startswith(SHARE_ITEM_PREFIX) for ln in result.post(post).lines)
        grams = sum(to_grams(ln.kgco2e) for ln in shared)
        assert grams == allocation.share(f"cabinet:{member.pk}").grams
        received += grams
    doctors = allocation.shares[-1]
    assert doctors.occupant.label == "Médecins généralistes"
    assert received + doctors.grams == allocation.total_grams


def test_consolidated_footprint_adds_up_and_respects_consent(
    client, structure, coordinator, members, premises, practice, other_practice
):
    from kineco2.structures.footprint import structure_footprint

    completed_assessment(practice)
    completed_assessment(other_practice)  # not shared: only its share of the premises counts
    footprint = structure_footprint(structure, 2025, draws=300)
    rows = {row.label: row for row in footprint.rows}
    assert rows["Cabinet des Lices"].own_grams is not None
    assert rows["Cabinet du Thabor"].own_grams is None
    assert sum(r.grams for r in footprint.rows) == footprint.consolidation.total_grams
    assert footprint.consolidation.shared_grams == footprint.allocation.total_grams
    low, high = footprint.consolidation.interval_kg
    assert low < footprint.total_kgco2e < high

    client.force_login(coordinator)
    page = client.get(reverse("structure_footprint", args=[structure.pk, 2025]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "bilan non partagé" in text
    csv_text = client.get(
        reverse("structure_footprint_csv", args=[structure.pk, 2025])
    ).content.decode("utf-8-sig")
    lines = [line.split(";") for line in csv_text.strip().splitlines()]
    assert lines[-1][0] == "TOTAL"

    def number(text):
        return float(text.replace(",", ".")) if text else 0.0

    total = sum(number(row[5]) for row in lines[1:-1])
    assert round(total, 3) == round(number(lines[-1][5]), 3)


def test_structure_pdf_report(client, structure, coordinator, members, premises, practice):
    import subprocess

    completed_assessment(practice)
    client.force_login(coordinator)
    response = client.get(reverse("structure_footprint_pdf", args=[structure.pk, 2025]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    try:
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
    except FileNotFoundError:  # pragma: no cover - poppler-utils missing
        pytest.skip("pdftotext absent")
    assert "Bilan consolidé 2025" in text
    assert "MSP des Lices" in text
    assert "Médecins généralistes" in text
    assert "Émissions consolidées de la structure par poste" in text


def test_collective_plan_lists_gains_per_member(
    client, structure, coordinator, members, premises, practice
):
    from kineco2.structures.footprint import collective_plan

    completed_assessment(practice)
    gains = collective_plan(structure, 2025)
    assert gains, "some écosoins apply"
    for gain in gains:
        assert gain.total_kgco2e > 0
        assert abs(sum(gain.per_member.values()) - gain.total_kgco2e) < 1e-6
    assert any(g.scope == "locaux" for g in gains)
    client.force_login(coordinator)
    page = client.get(reverse("structure_plan", args=[structure.pk, 2025]))
    assert page.status_code == 200
    response = client.post(
        reverse("structure_plan", args=[structure.pk, 2025]),
        {"action": gains[0].action_id, "status": "en_cours", "note": "devis demandé"},
    )
    assert response.status_code == 302
    assert structure.actions.get().status == "en_cours"


# -- access matrix ----------------------------------------------------------------------------


def _urls(structure, member, professional_pk):
    pk = structure.pk
    return {
        "detail": ("get", reverse("structure_detail", args=[pk])),
        "premises": ("get", reverse("structure_premises", args=[pk, 2025])),
        "footprint": ("get", reverse("structure_footprint", args=[pk, 2025])),
        "csv": ("get", reverse("structure_footprint_csv", args=[pk, 2025])),
        "plan": ("get", reverse("structure_plan", args=[pk, 2025])),
        "invite": ("post", reverse("structure_invite", args=[pk])),
        "key": ("post", reverse("structure_key", args=[pk])),
        "member_key": ("post", reverse("structure_member_key", args=[pk, member.pk])),
        "pro_add": ("post", reverse("structure_professional_add", args=[pk])),
        "pro_delete": (
            "post",
            reverse("structure_professional_delete", args=[pk, professional_pk]),
        ),
    }


#: What each role may do (True: allowed; False: 404).
MATRIX = {
    "coordinator": {
        "detail": True,
        "premises": True,
        "footprint": True,
        "csv": True,
        "plan": True,
        "invite": True,
        "key": True,
        "member_key": True,
        "pro_add": True,
        "pro_delete": True,
    },
    "member": {
        "detail": True,
        "premises": False,
        "footprint": False,
        "csv": False,
        "plan": False,
        "invite": False,
        "key": False,
        "member_key": False,
        "pro_add": False,
        "pro_delete": False,
    },
    "outsider": dict.fromkeys(
        [
            "detail",
            "premises",
            "footprint",
            "csv",
            "plan",
            "invite",
            "key",
            "member_key",
            "pro_add",
            "pro_delete",
        ],
        False,
    ),
}


@pytest.mark.parametrize("role", ["coordinator", "member", "outsider"])
def test_access_matrix(client, role, structure, coordinator, user, outsider, members, premises):
    professional = structure.other_professionals.get()
    who = {"coordinator": coordinator, "member": user, "outsider": outsider}[role]
    client.force_login(who)
    for name, (method, url) in _urls(structure, members[0], professional.pk).items():
        response = getattr(client, method)(url, {})
        allowed = MATRIX[role][name]
        if allowed:
            assert response.status_code in (200, 302, 400), (role, name, response.status_code)
        else:
            assert response.status_code == 404, (role, name, response.status_code)


def test_member_sees_its_share_but_not_the_other_members_footprint(
    client, structure, user, members, premises, practice, other_practice
):
    completed_assessment(practice)
    completed_assessment(other_practice, energie={"electricity_kwh": 123456})
    client.force_login(user)
    text = client.get(reverse("structure_detail", args=[structure.pk])).content.decode()
    assert "Part des locaux partagés 2025" in text
    assert "Cabinet du Thabor" not in text  # another member: not listed to a member
    assert "123" not in text.replace("2025", "")


def test_coordinator_never_sees_a_member_answers(
    client, structure, coordinator, members, premises, practice
):
    assessment = completed_assessment(practice)
    client.force_login(coordinator)
    for name in ("assessment_results", "assessment_resume", "assessment_export_json"):
        response = client.get(reverse(name, args=[assessment.pk]))
        assert response.status_code == 404, name


def test_member_sharing_choice_and_leaving(client, structure, user, other_user, members):
    client.force_login(other_user)  # titulaire of other_practice
    second = members[1]
    url = reverse("structure_member_sharing", args=[structure.pk, second.pk])
    assert client.post(url, {f"s{second.pk}-share_footprint": "on"}).status_code == 302
    second.refresh_from_db()
    assert second.share_footprint
    # Not the titulaire of the first member's practice: 404.
    first = members[0]
    assert (
        client.post(reverse("structure_member_sharing", args=[structure.pk, first.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("structure_member_leave", args=[structure.pk, second.pk])).status_code
        == 302
    )
    assert not structure.members.filter(pk=second.pk).exists()


def test_responsable_only_invites_coordinators(client, structure, coordinator, user, members):
    from kineco2.structures.models import Coordinator

    Coordinator.objects.create(structure=structure, user=user, role="coordinateur")
    client.force_login(user)
    response = client.post(
        reverse("structure_invite", args=[structure.pk]),
        {"kind": "coordinateur", "email": "x@example.fr", "role": "responsable"},
    )
    assert response.status_code == 400
    assert "Seul un ou une responsable" in response.content.decode()


def test_allocation_numbers_are_typed_the_french_way(client, structure, coordinator, members):
    member = members[0]
    client.force_login(coordinator)
    url = reverse("structure_member_key", args=[structure.pk, member.pk])
    prefix = f"m{member.pk}-"
    response = client.post(
        url,
        {
            prefix + "surface_m2": "62,5",
            prefix + "sessions_per_year": "8\u202f600",
            prefix + "hours_per_week": "",
            prefix + "headcount": "2",
        },
        follow=True,
    )
    member.refresh_from_db()
    assert (member.surface_m2, member.sessions_per_year, member.hours_per_week) == (62.5, 8600, 0)
    response = client.post(url, {prefix + "surface_m2": "beaucoup"}, follow=True)
    assert response.status_code == 200
    assert "n'est pas un nombre" in html.unescape(response.content.decode())
    member.refresh_from_db()
    assert member.surface_m2 == 62.5  # nothing lost


def test_questionnaire_says_the_building_comes_from_the_structure(
    client, structure, user, members, premises, practice
):
    assessment = completed_assessment(practice)
    client.force_login(user)
    text = client.get(reverse("assessment_step", args=[assessment.pk, "energie"])).content
    assert "Inutile de saisir les factures du bâtiment" in text.decode()
    text = client.get(reverse("assessment_step", args=[assessment.pk, "visites_domicile"])).content
    assert "Inutile de saisir les factures" not in text.decode()


def test_cpts_publishes_only_what_the_disclosure_rules_allow(client, coordinator):
    from kineco2.accounts.models import User
    from kineco2.practices.services import practice_create
    from kineco2.structures.footprint import network_aggregates
    from kineco2.structures.models import MemberPractice
    from kineco2.structures.services import structure_create

    cpts = structure_create(user=coordinator, kind="cpts", name="CPTS Rennes Nord", commune="35000")

    def add(i):
        user = User.objects.create_user(email=f"kine{i}@cpts.example.fr", password="x-2025-long!")
        practice = practice_create(
            user=user, name=f"Cabinet {i}", commune="35000", practitioners=2, practice_mode="groupe"
        )
        MemberPractice.objects.create(structure=cpts, practice=practice, share_footprint=True)
        completed_assessment(practice, profile={"sessions_per_year": 6000 + 150 * i})

    for i in range(3):
        add(i)
    aggregates = network_aggregates(cpts, 2025)
    assert aggregates.total_tco2e.suppressed and aggregates.total_tco2e.n is None
    client.force_login(coordinator)
    text = client.get(reverse("structure_footprint", args=[cpts.pk, 2025])).content.decode()
    assert "Aucun chiffre n'est publié" in html.unescape(text)
    for i in range(3, 16):
        add(i)
    aggregates = network_aggregates(cpts, 2025)
    assert not aggregates.total_tco2e.suppressed
    assert aggregates.total_tco2e.n == 15  # 16 practices, published rounded to 5
    assert aggregates.total_tco2e.p25 <= aggregates.total_tco2e.median <= aggregates.total_tco2e.p75


def test_structure_report_chart_by_post(structure, members, premises, practice):
    from kineco2.report.svgbars import tonnes_text
    from kineco2.structures.footprint import structure_footprint, year_on_year
    from kineco2.structures.pdf import build_data

    completed_assessment(practice)
    footprint = structure_footprint(structure, 2025, draws=0)
    data = build_data(footprint, year_on_year(structure))
    svg, alt = data["charts"]["posts"], data["charts"]["posts_alt"]
    assert svg.startswith("<svg") and "trait noir" not in svg  # no per-post interval
    posts = [p for p in footprint.posts() if p[2] > 0]
    assert svg.count("<rect") == len(posts)
    largest = max(posts, key=lambda p: p[2])
    first = alt.split("plus faible. ")[1].split(" ; ")[0]
    assert first.startswith(f"{largest[1]} : {tonnes_text(largest[2] / 1e6)} t CO2e (")
