"""Fixtures of the benchmarks tests: practices with results of chosen figures: a group of 15
(published), groups of 8 and 4 (hidden: fewer than 11 practices)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from kineco2.benchmarks.aggregates import POST_IDS

_counter = itertools.count(1)

BRETAGNE, CORSE, REUNION = "53", "94", "04"
#: Bretagne: 15 practices (2 kinés, group, « grand pôle »); Corse: 8 (4 kinés, MSP, rural);
#: La Réunion: 4 (1 kiné, alone, small town). Every dimension then has a group of 15
#: (published) and two hidden groups of 8 and 4 (together 12: the hidden total is not small).
BRETAGNE_TOTALS = [10_000.0 + 1_000.0 * i for i in range(15)]
BRETAGNE_PER_SESSION = [round(1.5 + 0.1 * i, 2) for i in range(15)]
CORSE_TOTALS = [40_000.0 + 700.0 * i for i in range(8)]
REUNION_TOTALS = [91_234.0, 91_236.0, 91_238.0, 91_240.0]
REUNION_PER_SESSION = [17.71, 17.73, 17.75, 17.77]


@pytest.fixture(autouse=True)
def _clean_cache(clear_cache):
    """Populations, overviews and charts are cached: start every test from nothing."""
    return clear_cache


def make_practice(commune: str, *, practitioners: int = 2, mode: str = "groupe", name=None):
    from kineco2.engine import geography
    from kineco2.practices.models import Practice

    place = geography.locate(commune)
    number = next(_counter)
    return Practice.objects.create(
        name=name or f"Cabinet de test {number}",
        commune_code=place.code_insee,
        commune_name=place.name,
        postal_code=commune,
        departement=place.departement,
        region_code=place.region_code,
        region_name=place.region_name,
        territory=place.territory,
        practitioners=practitioners,
        practice_mode=mode,
    )


def add_result(
    practice,
    total_kg: float,
    *,
    year: int = 2025,
    per_session: float | None = None,
    zone: str = "grand_pole",
    posts: dict[str, float] | None = None,
    answers: dict | None = None,
):
    """A completed assessment of ``practice`` whose latest snapshot has these figures."""
    from kineco2.practices.models import Assessment, ResultSnapshot

    if posts is None:
        posts = dict.fromkeys(POST_IDS, 0.0)
        posts["energie"] = total_kg * 0.4
        posts["deplacements_patients"] = total_kg * 0.6
    assessment, _ = Assessment.objects.get_or_create(
        practice=practice,
        reference_year=year,
        defaults={"answers": answers or {}, "completed_at": timezone.now()},
    )
    sessions = total_kg / per_session if per_session else 0
    return ResultSnapshot.objects.create(
        assessment=assessment,
        answers_hash="test",
        factors_version="2025.1",
        defaults_version="2025.1",
        schema_version="1.0",
        engine_version="1.0",
        total_kgco2e=total_kg,
        per_session_kgco2e=per_session,
        posts=posts,
        data={
            "total_kgco2e": total_kg,
            "sessions": sessions,
            "practitioners": practice.practitioners,
            "patient_zone": zone,
            "posts": [{"id": p, "kgco2e": kg, "lines": []} for p, kg in posts.items()],
        },
    )


@pytest.fixture
def small_cells(db):
    """15 practices in Bretagne, 8 in Corse, 4 in La Réunion, each with a 2025 result.

    Returns (Bretagne's, Réunion's) practices."""
    for total in CORSE_TOTALS:
        practice = make_practice("20000", practitioners=4, mode="msp")
        add_result(practice, total, per_session=total / 20_000, zone="rural_hors_attraction")
    bretagne = []
    for total, per_session in zip(BRETAGNE_TOTALS, BRETAGNE_PER_SESSION, strict=True):
        practice = make_practice("35000", practitioners=2, mode="groupe")
        add_result(practice, total, per_session=per_session, zone="grand_pole")
        bretagne.append(practice)
    reunion = []
    for total, per_session in zip(REUNION_TOTALS, REUNION_PER_SESSION, strict=True):
        practice = make_practice("97400", practitioners=1, mode="seul")
        add_result(practice, total, per_session=per_session, zone="petit_pole")
        reunion.append(practice)
    return bretagne, reunion
