"""The panel's tables are checked against the self-diagnoses' counts and hidden groups
(:func:`kineco2.benchmarks.selectors.load_margins`) without computing the self-diagnoses'
quantiles; the tables published are those checked against the full overviews."""

from __future__ import annotations

import pickle

import pytest

from kineco2.benchmarks import aggregates, selectors

from .conftest import BRETAGNE

testing = pytest.importorskip("kineco2.panel.testing", reason="kineco2.panel.testing absent")

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(small_cells):
    """13 of Bretagne's 15 practices and La Réunion's 4 validated in a 2025 campaign."""
    from kineco2.panel.models import PanelParticipation, ParticipationStatus

    bretagne, reunion = small_cells
    campaign = testing.make_campaign("closed", reference_year=2025)
    for practice in bretagne[:13] + reunion:
        PanelParticipation.objects.create(
            campaign=campaign,
            candidate=testing.make_candidate(campaign, practice.postal_code),
            region_code=practice.region_code,
            quota_index=0,
            practice=practice,
            status=ParticipationStatus.VALIDE,
        )
    return small_cells


def _spy(monkeypatch) -> list[int]:
    """The sizes of the populations whose quantiles are computed."""
    sizes: list[int] = []
    overview = selectors.overview

    def spied(population, **kwargs):
        sizes.append(len(population))
        return overview(population, **kwargs)

    monkeypatch.setattr(selectors, "overview", spied)
    return sizes


def test_the_panel_is_published_without_the_self_diagnoses_quantiles(panel, monkeypatch):
    sizes = _spy(monkeypatch)
    got = selectors.load_overview("panel", year=2025)
    assert sizes == [17]  # the panel's quantiles only, not the 27 self-diagnoses'
    light = selectors.load_margins("autodiagnostics", year=2025)
    assert isinstance(light, aggregates.Margins)
    # The reference: the panel checked against the self-diagnoses' full overview.
    salt = selectors.disclosure_salt()
    read = selectors.load_population
    wide = aggregates.overview(read("autodiagnostics", year=2025, use_cache=False), salt=salt)
    expected = aggregates.overview(
        read("panel", year=2025, use_cache=False), outers=[wide], salt=salt
    )
    assert pickle.dumps(got) == pickle.dumps(expected)
    assert (light.counts, light.hidden) == (wide.counts, wide.hidden)
    # Bretagne: 13 in the panel, 15 self-diagnoses: hidden (rule 5, from the margins).
    assert ("annual", "region", BRETAGNE) in got.hidden
    assert ("annual", "region", BRETAGNE) not in wide.hidden


def test_margins_come_from_the_overview_when_it_is_there(panel, monkeypatch):
    full = selectors.load_overview("autodiagnostics", year=2025)
    sizes = _spy(monkeypatch)
    assert selectors.load_margins("autodiagnostics", year=2025) is full
    selectors._LOCAL_OVERVIEWS.clear()  # another process: from the shared cache
    margins = selectors.load_margins("autodiagnostics", year=2025)
    assert (margins.counts, margins.hidden) == (full.counts, full.hidden)
    selectors.load_overview("panel", year=2025)
    assert sizes == [17]


def test_the_overview_is_computed_even_when_its_margins_are_cached(panel):
    margins = selectors.load_margins("autodiagnostics", year=2025)
    full = selectors.load_overview("autodiagnostics", year=2025)
    assert isinstance(full, aggregates.Overview)
    assert (margins.counts, margins.hidden) == (full.counts, full.hidden)


def test_a_perimeter_is_checked_against_the_national_margins(panel, monkeypatch):
    from kineco2.panel.roles import Perimeter

    perimeter = Perimeter(national=False, regions=frozenset({BRETAGNE}), is_maintainer=False)
    sizes = _spy(monkeypatch)
    got = selectors.load_overview("panel", year=2025, perimeter=perimeter)
    assert sizes == [13]
    salt = selectors.disclosure_salt()
    read = selectors.load_population
    national = aggregates.overview(read("autodiagnostics", year=2025, use_cache=False), salt=salt)
    region = aggregates.overview(
        read("autodiagnostics", year=2025, perimeter=perimeter, use_cache=False),
        regions_shown=[BRETAGNE],
        outers=[national],
        salt=salt,
    )
    panel_national = aggregates.overview(
        read("panel", year=2025, use_cache=False), outers=[national], salt=salt
    )
    expected = aggregates.overview(
        read("panel", year=2025, perimeter=perimeter, use_cache=False),
        regions_shown=[BRETAGNE],
        outers=[panel_national, region],
        salt=salt,
    )
    assert pickle.dumps(got) == pickle.dumps(expected)


def test_the_rebuild_builds_the_self_diagnoses_first(panel, settings, monkeypatch):
    """The background rebuild computes the self-diagnoses' overview before the panel's, whose
    check then reads it (no separate margins)."""
    from kineco2.benchmarks import tasks

    settings.KINECO2_REBUILD_DELAY_SECONDS = 0
    sizes = _spy(monkeypatch)
    monkeypatch.setattr(selectors, "margins", lambda *a, **k: pytest.fail("margins computed"))
    assert tasks.rebuild_published_tables.call() == 2
    assert sizes == [27, 17]
