"""The adversary: every published output, read as each role, must not give back one practice.

A demo-like world (two reference years, self-diagnoses and panel, small regions, overseas
territories of 2 to 6 practices, a region of exactly 5 panel practices, a region where the
panel and the self-diagnoses differ by 2, a mode of practice with 2 practices) is read as

* anonymous: the JSON and the CSV of the état des lieux, both populations, both years;
* a physiotherapist: the same, and the comparison of each of their practices, probed with
  many values of their own footprint (as if they edited their answers);
* URPS coordinators (a big region and a small one) and the national coordinator: the same
  as anonymous, and their perimeter's JSON.

It fails if any single practice's value is pinned within ±1 % (:mod:`tests.benchmarks.adversary`:
the n = 5 quantile attack and every linear consequence of a group's published quantiles),
if any published figure *is* a practice's value, if a probe of the comparison jumps exactly at
another practice's value, or if any suppressed count has a single possible value given every
count the viewer reads (margins, overlapping filters, perimeters, both populations).
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pytest
from django.urls import reverse

from tests.benchmarks import adversary
from tests.benchmarks.conftest import add_result, make_practice

testing = pytest.importorskip("kineco2.panel.testing")

pytestmark = pytest.mark.django_db

YEARS = (2024, 2025)
#: commune → (self-diagnoses, of which panel)
REGIONS = {
    "75011": (45, 33),  # Île-de-France
    "69123": (30, 20),  # Auvergne-Rhône-Alpes (Lyon)
    "33000": (20, 15),  # Nouvelle-Aquitaine
    "35000": (14, 12),  # Bretagne: panel and self-diagnoses differ by 2
    "14000": (12, 8),  # Normandie
    "45000": (5, 5),  # Centre-Val de Loire: the n = 5 attack of the issue
    "20000": (6, 4),  # Corse
    "97400": (6, 4),  # La Réunion
    "97100": (4, 3),  # Guadeloupe
    "97200": (3, 2),  # Martinique
    "97300": (2, 2),  # Guyane
}
ZONES = ["paris_intra_muros", "grand_pole", "pole_moyen", "couronne_grand_pole", "rural_hors_attraction"]  # fmt: skip
ZONE_TYPE = {
    "paris_intra_muros": "paris",
    "grand_pole": "grande_ville",
    "pole_moyen": "ville_moyenne_petite",
    "couronne_grand_pole": "periurbain",
    "rural_hors_attraction": "rural",
}
OVERSEAS = {"01", "02", "03", "04", "06", "975", "977", "978"}
METRICS = ("total_t", "seance_kg")


@dataclass
class Row:
    practice: object
    region: str
    zone: str
    size: str
    mode: str
    year: int
    panel: bool
    total_t: float
    seance_kg: float | None


@dataclass
class World:
    rows: list[Row] = field(default_factory=list)

    def members(self, population, year, scope, dimension, code, metric="total_t"):
        out = []
        for r in self.rows:
            if r.year != year or (population == "panel" and not r.panel):
                continue
            if scope != "national" and r.region != scope:
                continue
            if dimension == "region" and code == "outre-mer":
                if r.region not in OVERSEAS:
                    continue
            elif dimension != "national" and getattr(r, dimension) != code:
                continue
            value = getattr(r, metric)
            if value is not None:
                out.append(value)
        return out


def _size(practitioners: int) -> str:
    return "1" if practitioners < 2 else ("2-3" if practitioners < 4 else "4+")


@pytest.fixture
def world(db):
    from kineco2.panel.models import PanelParticipation, ParticipationStatus

    rng = random.Random(9)
    result = World()
    campaigns = {y: testing.make_campaign("closed", reference_year=y) for y in YEARS}
    mode_pool = ["seul"] * 5 + ["groupe"] * 5 + ["msp"] * 2
    centres = 2  # « Centre de santé »: 2 practices only
    for commune, (count, in_panel) in REGIONS.items():
        for index in range(count):
            practitioners = rng.choice([1, 1, 2, 3, 4, 6])
            mode = "centre_sante" if centres and rng.random() < 0.05 else rng.choice(mode_pool)
            if mode == "centre_sante":
                centres -= 1
            if practitioners == 1 and mode != "centre_sante":
                mode = "seul"
            practice = make_practice(commune, practitioners=practitioners, mode=mode)
            zone = rng.choice(ZONES)
            base = rng.lognormvariate(math.log(9_000 * practitioners**0.8), 0.35)
            for year in YEARS:
                if year == 2024 and rng.random() < 0.2:
                    continue
                total = base * rng.uniform(0.9, 1.1) + rng.random()
                sessions = rng.uniform(2_500, 6_000) * practitioners
                per_session = total / sessions if rng.random() > 0.1 else None
                add_result(practice, total, year=year, per_session=per_session, zone=zone)
                panel = index < in_panel
                if panel:
                    candidate = testing.make_candidate(campaigns[year], commune)
                    PanelParticipation.objects.get_or_create(
                        campaign=campaigns[year],
                        practice=practice,
                        defaults={
                            "candidate": candidate,
                            "region_code": practice.region_code,
                            "quota_index": 0,
                            "status": ParticipationStatus.VALIDE,
                        },
                    )
                result.rows.append(
                    Row(practice, practice.region_code, ZONE_TYPE[zone], _size(practitioners),
                        mode, year, panel, total / 1000.0, per_session)
                )  # fmt: skip
    return result


# -- reading the outputs ------------------------------------------------------------------
def _csv_cases(content: bytes) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))
    for row in rows:
        for key in ("n_cabinets", *adversary.FRACTIONS):
            text = row.get(key) or ""
            row[key] = float(text.replace(",", ".")) if text else None
        if row["n_cabinets"] is not None:
            row["n_cabinets"] = int(row["n_cabinets"])
    return rows


@dataclass
class Reading:
    """One output: its cases and how its figures are written."""

    role: str
    population: str
    year: int
    scope: str  # "national" or a region code
    cases: list[dict]
    method: adversary.Method


def _metric(case) -> str | None:
    if case["poste"] != "total":
        return None
    return "total_t" if case["indicateur"] == "annuel" else "seance_kg"


def read_public(client, role: str) -> list[Reading]:
    out = []
    for population in ("autodiagnostics", "panel"):
        for year in YEARS:
            query = {"population": population, "annee": str(year)}
            payload = client.get(reverse("etat_des_lieux_api"), query).json()
            method = adversary.Method.from_payload(payload)
            out.append(Reading(role, population, year, "national", payload["cases"], method))
            cases = _csv_cases(client.get(reverse("etat_des_lieux_csv"), query).content)
            csv_method = adversary.Method(**{**method.__dict__, "decimals": 4})
            out.append(Reading(role, population, year, "national", cases, csv_method))
    return out


def read_coordination(client, role: str, scope: str) -> list[Reading]:
    out = []
    for population in ("autodiagnostics", "panel"):
        for year in YEARS:
            query = {"population": population, "annee": str(year)}
            payload = client.get(reverse("etat_des_lieux_coordination_api"), query).json()
            method = adversary.Method.from_payload(payload)
            out.append(Reading(role, population, year, scope, payload["cases"], method))
    return out


# -- the attacks --------------------------------------------------------------------------
def quantile_attacks(world: World, readings: list[Reading]) -> list[str]:
    """Every published group of the total footprints (annual, per session): pinned values,
    published figures equal to a practice's value, the literal n = 5 inversion."""
    found = []
    for reading in readings:
        for case in reading.cases:
            metric = _metric(case)
            if metric is None or case["mediane"] is None:
                continue
            truth = world.members(reading.population, reading.year, reading.scope,
                                  case["dimension"], case["groupe"], metric)  # fmt: skip
            n = len(truth)
            published = {
                f: case[name] for name, f in adversary.FRACTIONS.items() if case[name] is not None
            }
            where = (f"{reading.role} {reading.population} {reading.year} {reading.scope} "
                     f"{case['dimension']}={case['groupe']} {metric} (n={n})")  # fmt: skip
            for value in truth:
                for q in published.values():
                    if math.isclose(q, value, rel_tol=1e-9):
                        found.append(f"{where}: un centile publié est la valeur d'un cabinet")
            ordered = sorted(truth)
            # The literal attack of the issue, on small groups: a point estimate is only
            # meaningful there (in a big group any estimate of the median lands near someone).
            for rank, estimate in adversary.inverted_linear(published, n).items():
                if (
                    n <= 10
                    and 0 <= rank < n
                    and abs(estimate - ordered[rank]) <= 0.01 * ordered[rank]
                ):
                    found.append(f"{where}: inversion linéaire, rang {rank} retrouvé à 1 % près")
            if n <= 60:
                for rank, value, interval in adversary.recovered_values(
                    n, published, reading.method, truth
                ):
                    found.append(f"{where}: rang {rank} = {value:.4f} enfermé dans {interval}")
    return sorted(set(found))


def count_attack(world: World, readings: list[Reading]) -> list[str]:
    """Every count the viewer reads, for one year at a time: recovered suppressed counts."""
    found = []
    for year in YEARS:
        cells: dict[tuple, adversary.CountCell] = {}
        method = adversary.Method()
        for reading in readings:
            if reading.year != year or reading.method.decimals is not None:
                continue
            method = reading.method
            for case in reading.cases:
                metric = _metric(case)
                if metric is None:
                    continue
                key = (reading.population, reading.scope, metric, case["dimension"], case["groupe"])
                truth = len(world.members(reading.population, year, reading.scope,
                                          case["dimension"], case["groupe"], metric))  # fmt: skip
                cells[key] = adversary.CountCell(key, case["n_cabinets"], truth)
        equalities, inclusions = [], []
        scopes = {k[1] for k in cells}
        for population in ("autodiagnostics", "panel"):
            for scope in scopes:
                for metric in METRICS:
                    total = (population, scope, metric, "national", "all")
                    for dimension in ("region", "zone", "size", "mode"):
                        parts = [k for k in cells if k[:4] == (population, scope, metric, dimension)
                                 and k[4] != "outre-mer"]  # fmt: skip
                        if parts:
                            equalities.append((total, parts))
                    overseas = [k for k in cells if k[:4] == (population, scope, metric, "region")
                                and k[4] in OVERSEAS]  # fmt: skip
                    om = (population, scope, metric, "region", "outre-mer")
                    if overseas and om in cells:
                        equalities.append((om, overseas))
                    if metric == "seance_kg":
                        for k in cells:
                            if k[:3] == (population, scope, metric):
                                inclusions.append((k, (population, scope, "total_t", *k[3:])))
        for key in cells:
            population, scope, metric, dimension, _code = key
            if population == "panel":
                inclusions.append((key, ("autodiagnostics", *key[1:])))
            if scope != "national":
                inclusions.append((key, (population, "national", *key[2:])))
                if dimension == "national":  # a one-region perimeter is that region
                    region = (population, "national", metric, "region", scope)
                    inclusions += [(key, region), (region, key)]
        for key, value in adversary.recovered_counts(
            list(cells.values()), equalities, inclusions, method
        ):
            found.append(f"{year} {key}: effectif masqué retrouvé ({value})")
    return sorted(found)


def probe_attack(world: World, rows: list[Row]) -> list[str]:
    """A physiotherapist edits their own footprint and watches their position jump."""
    from kineco2.benchmarks.comparison import compare

    found = []
    for row in rows:

        def percentile(value_t, row=row):
            result = SimpleNamespace(
                per_session_kgco2e=float("nan"), total_kgco2e=value_t * 1000.0,
                patient_zone=None, practitioners=None,
            )  # fmt: skip
            outcome = compare(result, row.practice, reference_year=row.year)
            c = outcome.comparison
            return None if c is None or c.total is None else c.total.percentile

        truth = [r.total_t for r in world.rows if r.year == row.year]
        low, high = min(truth) * 0.8, max(truth) * 1.2
        grid = np.linspace(low, high, 25)
        values = [percentile(v) for v in grid]
        if values[0] is None:
            continue
        for a, b, fa, fb in zip(grid, grid[1:], values, values[1:], strict=False):
            if fa == fb:
                continue
            lo, hi, flo, fhi = a, b, fa, fb
            for _ in range(26):
                mid = (lo + hi) / 2
                fmid = percentile(mid)
                if abs(fmid - flo) >= abs(fhi - fmid):
                    hi, fhi = mid, fmid
                else:
                    lo, flo = mid, fmid
            if abs(fhi - flo) > 1e-6:  # a jump, not a slope
                for value in truth:
                    if math.isclose(value, (lo + hi) / 2, rel_tol=1e-6):
                        found.append(
                            f"{row.year} sonde : saut à {value:.5f} t, valeur d'un cabinet"
                        )
    return sorted(set(found))


# -- the roles ----------------------------------------------------------------------------
def test_anonymous_and_physiotherapist_recover_nothing(client, world, user):
    from kineco2.practices.models import Membership

    readings = read_public(client, "anonyme")
    assert readings and any(c["mediane"] is not None for r in readings for c in r.cases)
    problems = quantile_attacks(world, readings) + count_attack(world, readings)
    owned = [r for r in world.rows if r.year == 2025][:2]
    for row in owned:
        Membership.objects.get_or_create(user=user, practice=row.practice)
    client.force_login(user)
    assert read_public(client, "kiné")[0].cases == readings[0].cases  # the same figures
    problems += probe_attack(world, owned[:1])
    assert not problems, "\n".join(problems[:40])


def test_coordinators_recover_nothing(client, world):
    from kineco2.engine import geography

    problems = []
    public = read_public(client, "public")
    for number, commune in enumerate(["75011", "35000", "45000", None]):
        user = testing.make_user(f"coordination{number}@example.fr")
        if commune is None:
            testing.national(user)
            scope = "national"
        else:
            scope = geography.locate(commune).region_code
            testing.urps(user, scope)
        client.force_login(user)
        readings = public + read_coordination(client, f"coordination {scope}", scope)
        problems += quantile_attacks(world, readings) + count_attack(world, readings)
    assert not problems, "\n".join(problems[:40])


def test_overseas_practices_are_visible_together(client, world):
    """Each territory alone is too small; together they pass the rules."""
    query = {"annee": "2025", "population": "autodiagnostics"}
    payload = client.get(reverse("etat_des_lieux_api"), query).json()
    by_code = {
        c["groupe"]: c
        for c in payload["cases"]
        if c["dimension"] == "region" and c["poste"] == "total" and c["indicateur"] == "annuel"
    }
    assert by_code["outre-mer"]["libelle_groupe"] == "Outre-mer (ensemble)"
    assert by_code["outre-mer"]["mediane"] is not None
    for code in ("01", "02", "03", "04"):
        assert by_code[code]["n_cabinets"] is None
