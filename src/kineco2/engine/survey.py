"""The patients' mobility survey: from the patients' answers to km per session by mode.

Pure Python (and numpy), no Django: the web app stores the answers, this module turns them
into what the patient-travel post needs — the mean round-trip km **per session** of each
mode of transport, with the sampling uncertainty of each mean. The rules and their sources
are in ``data/survey/<version>.yaml`` and explained in ``docs/survey.md``.

One answer is one visit of one patient:

1. **One-way distance.** The km the patient states, or else the distance between the
   patient's commune and the practice's: great-circle distance between the communes'
   points (``data/survey/commune_centres.csv.gz``, read by ``engine.geo``) × a detour
   coefficient; the same commune
   gives an intra-commune distance derived from the commune's area (bounded).
2. **Cap.** An answer above the cap of its mode (100 km one way, less for walking and
   cycling) is kept but counted at the cap; the kiné sees how many were capped.
3. **Vehicle km attributed to the session.** Round trip (× 2) × the trips the visit causes:
   a driver who came only for the patient makes two round trips (drop-off, pick-up), so
   does a taxi or a VSL; car-sharing with someone who made the trip anyway shares the km
   (× 0.5); a trip made also for another purpose counts half.
4. **Means and uncertainty.** ``km_per_session[mode]`` is the mean over *all* answers of
   the km each answer attributes to that mode (an answer by bus contributes 0 to the car
   mean), so ``sessions × km_per_session[mode] × factor[mode]`` is the post. The
   uncertainty of every mean comes from a percentile bootstrap (answers drawn with
   replacement, fixed seed): it replaces the ±50 % of the zone table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from kineco2.engine import geo, geography
from kineco2.engine.errors import EngineError, ReferenceDataError

__all__ = [
    "DISTANCE_BINS",
    "ENGINE_MODES",
    "SURVEY_MODES",
    "ModeStat",
    "SurveyAnswer",
    "SurveyError",
    "SurveyParameters",
    "SurveyStats",
    "attributed_km",
    "commune_point",
    "great_circle_km",
    "load_parameters",
    "one_way_km",
    "summarize",
]

PARAMETERS_VERSION = "2026.1"


class SurveyError(EngineError, ValueError):
    """An answer the survey cannot use; ``str(error)`` is a French message for the patient."""


@dataclass(frozen=True, slots=True)
class SurveyMode:
    """A way of coming to the practice, as the patient reads it."""

    label: str
    engine_mode: str  # the patient-travel post's mode (key of ENGINE_MODES)
    trips: str = ""  # key of the occupancy rule in the parameters ("" = one round trip)


#: What the patient answers (order of the form), and how each maps to the post's modes.
SURVEY_MODES: dict[str, SurveyMode] = {
    "voiture_seul": SurveyMode("En voiture, en conduisant", "voiture"),
    "voiture_accompagne": SurveyMode(
        "En voiture, conduit(e) par quelqu'un venu exprès pour moi",
        "voiture",
        "accompagne_trips",
    ),
    "covoiturage": SurveyMode(
        "En voiture avec quelqu'un qui faisait ce trajet de toute façon",
        "voiture",
        "covoiturage_share",
    ),
    "taxi_vsl": SurveyMode("En taxi ou en VSL", "voiture", "taxi_trips"),
    "bus": SurveyMode("En bus ou en car", "bus"),
    "tram_metro": SurveyMode("En tramway ou en métro", "tram_metro"),
    "train": SurveyMode("En train (TER, RER, Transilien)", "train"),
    "deux_roues": SurveyMode("En scooter ou à moto", "deux_roues"),
    "vae": SurveyMode("À vélo électrique", "vae"),
    "velo": SurveyMode("À vélo ou en trottinette", "velo"),
    "marche": SurveyMode("À pied", "marche"),
}

#: The post's modes measured by the survey, with their French label.
ENGINE_MODES: dict[str, str] = {
    "voiture": "voiture",
    "bus": "bus ou car",
    "tram_metro": "tramway ou métro",
    "train": "train",
    "deux_roues": "deux-roues motorisé",
    "vae": "vélo électrique",
    "velo": "vélo",
    "marche": "à pied",
}

#: One-way distance bins (km) of the distribution shown to the kiné: [low, high).
DISTANCE_BINS: tuple[tuple[float, float], ...] = (
    (0, 2),
    (2, 5),
    (5, 10),
    (10, 20),
    (20, 50),
    (50, math.inf),
)


# -- parameters ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SurveyParameters:
    version: str
    detour_coefficient: float
    intra_factor: float
    intra_min_km: float
    intra_max_km: float
    intra_default_km: float
    cap_km: float
    cap_by_mode: dict[str, float]
    occupancy: dict[str, float]
    min_answers: int
    resamples: int
    seed: int
    sources: dict[str, str] = field(default_factory=dict)

    def cap_for(self, engine_mode: str) -> float:
        return self.cap_by_mode.get(engine_mode, self.cap_km)


@cache
def load_parameters(version: str = PARAMETERS_VERSION) -> SurveyParameters:
    path = resources.files("kineco2.engine").joinpath("data", "survey", f"{version}.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        intra, caps, occ, stats = (
            raw["intra_commune"],
            raw["caps"],
            raw["occupancy"],
            raw["statistics"],
        )
        return SurveyParameters(
            version=str(raw["version"]),
            detour_coefficient=float(raw["detour_coefficient"]["value"]),
            intra_factor=float(intra["factor"]),
            intra_min_km=float(intra["min_one_way_km"]),
            intra_max_km=float(intra["max_one_way_km"]),
            intra_default_km=float(intra["default_one_way_km"]),
            cap_km=float(caps["one_way_km_max"]),
            cap_by_mode={k: float(v) for k, v in caps.get("by_mode", {}).items()},
            occupancy={k: float(v) for k, v in occ.items() if k != "source"},
            min_answers=int(stats["min_answers"]),
            resamples=int(stats["resamples"]),
            seed=int(stats["seed"]),
            sources={
                name: str(raw[name]["source"])
                for name in ("detour_coefficient", "intra_commune", "caps", "occupancy")
            }
            | {"statistics": str(stats["source"])},
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(
            f"Paramètres de l'enquête mobilité {version} illisibles : {exc}"
        ) from exc


# -- geography (shared with the structures' directory: ``engine.geo``) ---------------------
commune_point = geo.commune_point
great_circle_km = geo.great_circle_km


# -- one answer ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One visit: the mode, and the stated one-way km or the commune the patient came from."""

    mode: str
    one_way_km: float | None = None
    commune_insee: str | None = None
    only_for_session: bool = True


def one_way_km(
    answer: SurveyAnswer, practice_commune: str, params: SurveyParameters | None = None
) -> tuple[float, str]:
    """One-way km of an answer (before the cap) and how it was obtained.

    The rule is ``"declare"`` (km stated by the patient), ``"meme_commune"`` or
    ``"communes"`` (great-circle × detour). Raises :class:`SurveyError` when the answer
    gives neither a distance nor a commune with a known point.
    """
    params = params or load_parameters()
    if answer.one_way_km is not None:
        if not math.isfinite(answer.one_way_km) or answer.one_way_km < 0:
            raise SurveyError("La distance doit être un nombre de kilomètres positif.")
        return float(answer.one_way_km), "declare"
    if not answer.commune_insee:
        raise SurveyError("Indiquez votre commune ou le nombre de kilomètres parcourus.")
    home = geography.commune_by_insee(answer.commune_insee).code_insee
    practice = geography.commune_by_insee(practice_commune).code_insee
    if home == practice:
        point = geo.commune_points().get(practice)
        area = point[2] if point else None
        if area is None:
            return params.intra_default_km, "meme_commune"
        km = params.intra_factor * math.sqrt(area / math.pi) * params.detour_coefficient
        return min(params.intra_max_km, max(params.intra_min_km, km)), "meme_commune"
    a, b = geo.commune_points().get(home), geo.commune_points().get(practice)
    if a is None or b is None:
        raise SurveyError(
            "Nous ne savons pas situer cette commune : indiquez plutôt le nombre de "
            "kilomètres parcourus."
        )
    return great_circle_km(a[:2], b[:2]) * params.detour_coefficient, "communes"


@dataclass(frozen=True, slots=True)
class AttributedKm:
    engine_mode: str
    one_way_km: float  # before the cap
    counted_one_way_km: float  # after the cap
    capped: bool
    km: float  # round-trip vehicle (or passenger) km attributed to the session
    rule: str


def attributed_km(
    answer: SurveyAnswer, practice_commune: str, params: SurveyParameters | None = None
) -> AttributedKm:
    """The km one answer attributes to the session, with the cap and occupancy rules."""
    params = params or load_parameters()
    try:
        mode = SURVEY_MODES[answer.mode]
    except KeyError:
        raise SurveyError("Choisissez comment vous êtes venu(e) dans la liste.") from None
    km, rule = one_way_km(answer, practice_commune, params)
    cap = params.cap_for(mode.engine_mode)
    counted = min(km, cap)
    factor = params.occupancy[mode.trips] if mode.trips else 1.0
    if not answer.only_for_session:
        factor *= params.occupancy["shared_purpose_share"]
    return AttributedKm(
        engine_mode=mode.engine_mode,
        one_way_km=km,
        counted_one_way_km=counted,
        capped=km > cap,
        km=2 * counted * factor,
        rule=rule,
    )


# -- statistics ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ModeStat:
    mode: str  # engine mode
    label: str
    answers: int
    share: float  # share of the answers (0–1)
    km_per_session: float  # mean round-trip km per session (over all answers)
    low: float  # 2.5 % bootstrap percentile of the mean
    high: float  # 97.5 % bootstrap percentile of the mean
    uncertainty_pct: float  # (high / mean − 1) × 100: the engine's upper-side convention


@dataclass(frozen=True)
class SurveyStats:
    answers: int
    capped: int
    min_answers: int
    by_mode: dict[str, ModeStat]
    by_survey_mode: dict[str, int]
    distance_bins: list[tuple[str, int]]
    km_per_session: float
    km_low: float
    km_high: float
    parameters_version: str
    samples: np.ndarray | None = field(default=None, repr=False)  # resamples × modes

    @property
    def enough(self) -> bool:
        return self.answers >= self.min_answers

    def engine_input(self) -> dict[str, Any]:
        """The optional ``deplacements_patients.enquete`` input of the engine."""
        return {
            "n_reponses": self.answers,
            "km_par_seance": {m: round(s.km_per_session, 4) for m, s in self.by_mode.items()},
            "incertitude_pct": {m: round(s.uncertainty_pct, 2) for m, s in self.by_mode.items()},
            "version": self.parameters_version,
        }

    def kg_per_session(self, factors: dict[str, float]) -> tuple[float, float, float]:
        """Central kg CO2e per session and its 95 % sampling interval, for factor values
        by engine mode (kg CO2e per km); factor uncertainty is not included."""
        modes = list(self.by_mode)
        f = np.array([factors.get(m, 0.0) for m in modes])
        central = float(sum(self.by_mode[m].km_per_session * f[i] for i, m in enumerate(modes)))
        if self.samples is None or not len(self.samples):
            return central, central, central
        draws = self.samples @ f
        low, high = np.percentile(draws, [2.5, 97.5])
        return central, float(low), float(high)


def _bin_label(low: float, high: float) -> str:
    if math.isinf(high):
        return f"{low:g} km et plus"
    return f"{low:g} à {high:g} km"


def summarize(
    answers: list[SurveyAnswer],
    practice_commune: str,
    params: SurveyParameters | None = None,
    *,
    seed: int | None = None,
) -> SurveyStats:
    """Means by mode and their bootstrap intervals. Unusable answers raise SurveyError."""
    params = params or load_parameters()
    modes = list(ENGINE_MODES)
    n = len(answers)
    km = np.zeros((n, len(modes)))
    by_survey_mode = dict.fromkeys(SURVEY_MODES, 0)
    counts = dict.fromkeys(modes, 0)
    bins = [0] * len(DISTANCE_BINS)
    capped = 0
    for i, answer in enumerate(answers):
        item = attributed_km(answer, practice_commune, params)
        km[i, modes.index(item.engine_mode)] = item.km
        by_survey_mode[answer.mode] += 1
        counts[item.engine_mode] += 1
        capped += item.capped
        for b, (low, high) in enumerate(DISTANCE_BINS):
            if low <= item.one_way_km < high:
                bins[b] += 1
                break

    means = km.mean(axis=0) if n else np.zeros(len(modes))
    samples = None
    if n:
        rng = np.random.default_rng(params.seed if seed is None else seed)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=params.resamples)
        samples = weights @ km / n  # resamples × modes: the bootstrap means
        low, high = np.percentile(samples, [2.5, 97.5], axis=0)
        total_low, total_high = np.percentile(samples.sum(axis=1), [2.5, 97.5])
    else:
        low = high = means
        total_low = total_high = 0.0

    by_mode = {}
    for j, mode in enumerate(modes):
        mean = float(means[j])
        pct = (float(high[j]) / mean - 1) * 100 if mean > 0 else 0.0
        by_mode[mode] = ModeStat(
            mode=mode,
            label=ENGINE_MODES[mode],
            answers=counts[mode],
            share=counts[mode] / n if n else 0.0,
            km_per_session=mean,
            low=float(low[j]),
            high=float(high[j]),
            uncertainty_pct=max(0.0, pct),
        )
    return SurveyStats(
        answers=n,
        capped=capped,
        min_answers=params.min_answers,
        by_mode=by_mode,
        by_survey_mode=by_survey_mode,
        distance_bins=[
            (_bin_label(lo, hi), count) for (lo, hi), count in zip(DISTANCE_BINS, bins, strict=True)
        ],
        km_per_session=float(means.sum()),
        km_low=float(total_low),
        km_high=float(total_high),
        parameters_version=params.version,
        samples=samples,
    )
