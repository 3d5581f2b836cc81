"""Aggregated survey results for the regional unions, under the disclosure-control rules."""

from __future__ import annotations

import pytest

from kineco2.benchmarks import disclosure
from kineco2.panel import testing as pt
from kineco2.survey.aggregates import Row, aggregate, table_km
from kineco2.survey.models import Survey

pytestmark = pytest.mark.django_db

SECRET = b"test-secret"


def rows(count, *, zone="pole_moyen", region=("53", "Bretagne"), start=0, km=8.0):
    return [
        Row(
            practice_id=start + i,
            zone=zone,
            region_code=region[0],
            region_name=region[1],
            km_total=km + i * 0.1,
            km_car=km * 0.8,
            km_table=table_km(zone),
        )
        for i in range(count)
    ]


def test_small_groups_are_never_described_and_medians_are_protected():
    data = aggregate(
        rows(20)
        + rows(12, zone="grand_pole", start=50)
        + rows(5, zone="rural_hors_attraction", start=100),
        secret=SECRET,
    )
    zones = {cell.code: cell for cell in data["by_zone"]}
    small = zones["rural_hors_attraction"]
    assert small.hidden and small.count is None and small.median is None
    # Secondary suppression: with the total published (37), hiding only the 5 rural
    # practices would let anyone subtract them back; the smallest other group goes too.
    assert zones["grand_pole"].hidden
    big = zones["pole_moyen"]
    assert not big.hidden and big.count == 20
    # Protected median: mean of the 5 values around the rank, within ±3 %, 3 figures.
    raw = sorted(8.0 + i * 0.1 for i in range(20))
    low, high = disclosure.published_bounds(sum(raw[7:12]) / 5)
    assert low <= big.median <= high
    assert big.table == pytest.approx(table_km("pole_moyen"))
    assert big.gap == pytest.approx(big.median / big.table - 1)
    assert data["count"] == 35


def test_a_group_under_fifteen_shows_a_count_but_no_median():
    data = aggregate(rows(12) + rows(30, zone="grand_pole", start=50), secret=SECRET)
    zones = {cell.code: cell for cell in data["by_zone"]}
    assert zones["pole_moyen"].count == 10 and zones["pole_moyen"].median is None
    assert zones["grand_pole"].median is not None


def make_reported_survey(practice, km, zone="pole_moyen"):
    survey = Survey.objects.create(
        practice=practice,
        reference_year=2025,
        token=f"t{practice.pk:07d}",
        opens_on="2025-03-01",
        closes_on="2025-03-14",
    )
    survey.applied_at = survey.created_at
    survey.results = {
        "enquete": {"n_reponses": 40, "km_par_seance": {"voiture": km, "bus": 1.0}},
        "zone": zone,
        "region_code": practice.region_code,
    }
    survey.save()
    return survey


def test_unions_page_is_scoped_to_the_perimeter(client):
    owner = pt.make_user("owner-survey@example.fr")
    for i in range(16):
        make_reported_survey(pt.make_practice(owner, commune="35000", name=f"B{i}"), 6 + i * 0.2)
    for i in range(16):
        make_reported_survey(pt.make_practice(owner, commune="75011", name=f"P{i}"), 3 + i * 0.1)
    coordinator = pt.make_user("urps-bzh-survey@example.fr")
    pt.urps(coordinator, "53")
    client.force_login(coordinator)
    page = client.get("/enquetes/unions/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bretagne" in body and "Île-de-France" not in body
    assert "environ 15" in body  # 16 practices, published as a multiple of 5
    assert "/enquetes/unions/" in client.get("/panel/coordination/").content.decode()

    national = pt.make_user("national-survey@example.fr")
    pt.national(national)
    client.force_login(national)
    body = client.get("/enquetes/unions/").content.decode()
    assert "Bretagne" in body and "Île-de-France" in body


def test_unions_page_is_for_panel_staff_only(client, user):
    assert client.get("/enquetes/unions/").status_code == 302
    client.force_login(user)
    assert client.get("/enquetes/unions/").status_code == 404
