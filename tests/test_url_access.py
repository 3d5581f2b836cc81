"""A safety net over every URL of the site: walk the URL resolver and check access.

* Anonymous: every page is public (200), asks to log in (302 to the login page / 401) or
  refuses the method (405) — never a 500.
* A logged-in user who is **not** a member of another practice must never get that
  practice's data: every URL taking an integer id is requested with the ids of the other
  practice's objects (practice, assessment) and must not answer 200 unless the page is
  public; an id that exists nowhere is a 404, never a 500.

Each app's own tests check the detailed behaviour; this test catches a new view that forgot
its permission check.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

#: Views that are public on purpose even with an integer id in their URL.
PUBLIC_WITH_ID: set[str] = set()
SKIP_PREFIXES = ("admin:", "api-")  # Django admin has its own permissions; API has its walker


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name and f"{namespace}{entry.name}", entry


def routes():
    for route, name, pattern in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/", "static/")) or not name:
            continue
        if name.startswith(SKIP_PREFIXES):
            continue
        yield route, name, pattern


def concrete(route: str, value: str) -> str | None:
    """The route with each converter replaced by ``value`` (int) or a plausible string."""
    import re

    path = re.sub(r"<int:[^>]+>", value, route)
    path = re.sub(r"<(?:str|slug):[^>]+>", "inexistant", path)
    path = re.sub(r"<path:[^>]+>", "inexistant", path)
    if "<" in path or "^" in path:
        return None
    return "/" + path


def test_anonymous_never_gets_a_server_error(client):
    checked = 0
    for route, name, _ in routes():
        path = concrete(route, "1")
        if path is None:
            continue
        response = client.get(path)
        checked += 1
        assert response.status_code < 500, f"{name} {path} → {response.status_code}"
        if response.status_code == 302:
            assert response.url, name
    assert checked > 20


def test_non_member_gets_nothing_of_another_practice(client, user, other_practice):
    from kineco2.practices.services import assessment_create

    other_assessment = assessment_create(practice=other_practice, reference_year=2024)
    client.force_login(user)
    leaks = []
    for route, name, _ in routes():
        if "<int:" not in route or name in PUBLIC_WITH_ID:
            continue
        for value in {str(other_practice.pk), str(other_assessment.pk)}:
            path = concrete(route, value)
            if path is None:
                continue
            response = client.get(path)
            assert response.status_code < 500, f"{name} {path} → {response.status_code}"
            if response.status_code == 200:
                body = response.content.decode(errors="ignore")
                if other_practice.name in body or "Cabinet du Thabor" in body:
                    leaks.append(f"{name} {path}")
        missing = concrete(route, "987654")
        if missing:
            status = client.get(missing).status_code
            assert status in (302, 403, 404, 405, 410), f"{name} {missing} → {status}"
    assert not leaks, "données d'un autre cabinet visibles : " + ", ".join(leaks)


def test_regional_coordinator_gets_nothing_of_another_region(client, other_user):
    """A URPS coordinator of Île-de-France walks every URL with the ids of La Réunion's
    support request and draft news item: nothing of them may appear."""
    from kineco2.outreach.models import NewsItem, SupportRequest
    from kineco2.panel import testing as pt

    reunion = pt.make_practice(other_user, commune="97400", name="Cabinet du Barachois")
    request = SupportRequest.objects.create(
        requester=other_user,
        practice=reunion,
        region_code="04",
        region_name="La Réunion",
        topics=["actions"],
        message="Secret réunionnais",
        phone="0692 00 00 00",
    )
    draft = NewsItem.objects.create(
        title="Brouillon réunionnais", body="x", audience="regional", region_code="04"
    )
    coordinator = pt.make_user("urps-idf-walk@example.fr")
    pt.urps(coordinator, "11")
    client.force_login(coordinator)
    leaks = []
    for route, name, _ in routes():
        if "<int:" not in route:
            continue
        for value in {str(request.pk), str(draft.pk), str(reunion.pk)}:
            path = concrete(route, value)
            if path is None:
                continue
            response = client.get(path)
            assert response.status_code < 500, f"{name} {path} → {response.status_code}"
            body = response.content.decode(errors="ignore")
            if response.status_code == 200 and (
                "Secret réunionnais" in body
                or "0692 00 00 00" in body
                or "Brouillon réunionnais" in body
                or "Cabinet du Barachois" in body
            ):
                leaks.append(f"{name} {path}")
    assert not leaks, "données d'une autre région visibles : " + ", ".join(leaks)


def test_non_member_gets_nothing_of_another_structure(client, user, other_user, other_practice):
    """Every structure URL, with the ids of a structure ``user`` neither coordinates nor
    belongs to: never a 200 (GET) nor a change (POST), and the structure's name never shown."""
    import re

    from kineco2.structures.models import MemberPractice, OtherProfessional
    from kineco2.structures.services import premises_save, structure_create

    structure = structure_create(
        user=other_user, kind="msp", name="MSP secrète du Thabor", commune="35000"
    )
    member = MemberPractice.objects.create(
        structure=structure, practice=other_practice, share_footprint=True, surface_m2=50
    )
    professional = OtherProfessional.objects.create(
        structure=structure, profession="medecin", surface_m2=40, sessions_per_year=900
    )
    premises_save(structure=structure, year=2025, answers={}, user=other_user)
    values = {
        "pk": structure.pk,
        "member_pk": member.pk,
        "professional_pk": professional.pk,
        "year": 2025,
    }
    client.force_login(user)
    checked = 0
    for route, name, _ in routes():
        if not (name.startswith("structure") and "<int:" in route):
            continue
        path = "/" + re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), route)
        for method in ("get", "post"):
            response = getattr(client, method)(path, {})
            checked += 1
            assert response.status_code in (404, 405), (
                f"{name} {method} {path} → {response.status_code}"
            )
            assert "MSP secrète du Thabor" not in response.content.decode(errors="ignore")
    assert checked >= 20
    assert MemberPractice.objects.filter(pk=member.pk, share_footprint=True).exists()
    assert OtherProfessional.objects.filter(pk=professional.pk).exists()


def test_non_member_gets_nothing_of_another_practice_survey(client, user, other_practice):
    """The same walk with the ids of another practice's survey and survey answer."""
    from kineco2.survey.models import Answer
    from kineco2.survey.services import survey_open

    survey = survey_open(
        practice=other_practice, user=other_practice.members.first(), reference_year=2025, days=7
    )
    answer = Answer.objects.create(survey=survey, mode="bus", one_way_km=3)
    client.force_login(user)
    leaks = []
    for route, name, _ in routes():
        if "<int:" not in route or name in PUBLIC_WITH_ID:
            continue
        for value in {str(survey.pk), str(answer.pk)}:
            path = concrete(route, value)
            if path is None:
                continue
            response = client.get(path)
            assert response.status_code < 500, f"{name} {path} → {response.status_code}"
            if response.status_code == 200 and other_practice.name in response.content.decode(
                errors="ignore"
            ):
                leaks.append(f"{name} {path}")
    assert not leaks, "enquête d'un autre cabinet visible : " + ", ".join(leaks)
