"""The result of an assessment: lines, posts, totals and functional units."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

from kineco2.engine.lines import ORIGINS, Driver, Line

#: Which figure is the headline, said in every JSON result (decision 0006): the deterministic
#: central value — the sum of the lines, which the line-by-line explanation adds up to — with
#: the 95 % interval of the Monte Carlo; the draws' median and mean are for information only
#: (with asymmetric uncertainties they differ from the central value).
HEADLINE: dict[str, str] = {
    "figure": "total_kgco2e",
    "interval": "interval_95",
    "definition": (
        "Valeur centrale : la somme des lignes de calcul (quantité × facteur d'émission), "
        "que le détail poste par poste additionne. L'intervalle de confiance à 95 % vient de "
        "la simulation de Monte-Carlo ; la médiane et la moyenne des tirages sont données "
        "pour information et peuvent s'écarter de la valeur centrale, car les incertitudes "
        "ne sont pas symétriques."
    ),
}


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    median: float
    high: float
    mean: float

    def as_list(self) -> list[float]:
        return [self.low, self.high]


@dataclass(frozen=True, slots=True)
class PrecisionHint:
    """An answer left at its default, ranked by its share of the variance of the total."""

    field: str | None
    label: str
    share_of_variance: float
    kgco2e: float


@dataclass(frozen=True)
class PostResult:
    id: str
    label: str
    kgco2e: float
    share: float
    lines: tuple[Line, ...]
    interval_95: Interval | None = None

    @property
    def origin(self) -> str:
        """Data quality of the post: the least precise origin among its weighty lines."""
        if not self.lines:
            return "defaut"
        order = list(ORIGINS)
        weighty = [ln for ln in self.lines if ln.kgco2e > 0] or list(self.lines)
        return max((ln.origin for ln in weighty), key=order.index)


@dataclass(frozen=True)
class Uncertainty:
    draws: int
    seed: int
    total: Interval
    per_session: Interval
    per_practitioner: Interval
    posts: dict[str, Interval]


@dataclass(frozen=True)
class Result:
    lines: tuple[Line, ...]
    posts: tuple[PostResult, ...]
    total_kgco2e: float
    sessions: float
    practitioners: int
    territory: str
    patient_zone: str
    #: True when the zone was not answered and comes from INSEE's zoning of the commune.
    patient_zone_guessed: bool
    commune_name: str
    factors_version: str
    defaults_version: str
    schema_version: str
    engine_version: str
    notes: tuple[str, ...] = ()
    uncertainty: Uncertainty | None = None
    factor_ids_used: frozenset[str] = field(default_factory=frozenset)
    sessions_drivers: tuple[Driver, ...] = ()
    #: The value used for each question, answered or defaulted (``"energie.heating_kwh"``).
    effective_answers: dict[str, Any] = field(default_factory=dict)
    #: The share of a structure's shared premises included, if any (allocation.SharedShare).
    shared_premises: dict[str, Any] | None = None
    #: The share itself (``allocation.SharedShare``), so that scenarios keep it (not exported).
    shared: Any = field(default=None, compare=False, repr=False)
    #: The commune's zone in INSEE's zoning (aires d'attraction des villes 2020), whether
    #: or not it was used; ``None`` only for results built without it.
    patient_zone_insee: str | None = None

    @property
    def patient_zone_origin(self) -> str:
        """``"insee"`` (zone of INSEE's zoning of the commune) or ``"utilisateur"``."""
        return "insee" if self.patient_zone_guessed else "utilisateur"

    @property
    def patient_zone_origin_label(self) -> str:
        """Where the zone comes from, in French, for the CLI, the results page and the PDF."""
        if self.patient_zone_guessed:
            return "d'après le zonage INSEE"
        if self.patient_zone_insee is None or self.patient_zone_insee == self.patient_zone:
            return "choisie par l'utilisateur"
        from kineco2.engine.geography import PATIENT_ZONES

        insee = PATIENT_ZONES.get(self.patient_zone_insee, self.patient_zone_insee)
        return f"choisie par l'utilisateur (zonage INSEE : « {insee} »)"

    @functools.cached_property
    def precision_hints(self) -> tuple[PrecisionHint, ...]:
        """Answers left at their default that weigh most on the uncertainty (computed on use)."""
        from kineco2.engine.compute import precision_hints

        return precision_hints(self.lines)

    @property
    def per_session_kgco2e(self) -> float:
        return self.total_kgco2e / self.sessions if self.sessions else math.nan

    @property
    def per_practitioner_kgco2e(self) -> float:
        return self.total_kgco2e / self.practitioners

    def post(self, post_id: str) -> PostResult:
        for post in self.posts:
            if post.id == post_id:
                return post
        raise KeyError(post_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the CLI's and the API's output)."""
        unc = self.uncertainty

        def interval(value: Interval | None) -> list[float] | None:
            return value.as_list() if value else None

        return {
            "total_kgco2e": self.total_kgco2e,
            "total_tco2e": self.total_kgco2e / 1000,
            "per_session_kgco2e": self.per_session_kgco2e,
            "per_practitioner_kgco2e": self.per_practitioner_kgco2e,
            "interval_95": interval(unc.total if unc else None),
            "per_session_interval_95": interval(unc.per_session if unc else None),
            "per_practitioner_interval_95": interval(unc.per_practitioner if unc else None),
            "headline": HEADLINE,
            "median_kgco2e": unc.total.median if unc else None,
            "mean_kgco2e": unc.total.mean if unc else None,
            "monte_carlo": (
                {
                    "draws": unc.draws,
                    "seed": unc.seed,
                    "median_kgco2e": unc.total.median,
                    "mean_kgco2e": unc.total.mean,
                }
                if unc
                else None
            ),
            "sessions": self.sessions,
            "practitioners": self.practitioners,
            "commune": self.commune_name,
            "territory": self.territory,
            "patient_zone": self.patient_zone,
            "patient_zone_guessed": self.patient_zone_guessed,
            "patient_zone_origin": self.patient_zone_origin,
            "patient_zone_origin_label": self.patient_zone_origin_label,
            "patient_zone_insee": self.patient_zone_insee,
            "versions": {
                "factors": self.factors_version,
                "defaults": self.defaults_version,
                "schema": self.schema_version,
                "engine": self.engine_version,
            },
            "posts": [
                {
                    "id": post.id,
                    "label": post.label,
                    "kgco2e": post.kgco2e,
                    "share": post.share,
                    "data_quality": post.origin,
                    "interval_95": interval(unc.posts.get(post.id) if unc else None),
                    "lines": [
                        {
                            "item": line.item,
                            "label": line.label,
                            "quantity": line.quantity,
                            "unit": line.unit,
                            "factor_id": line.factor_id,
                            "factor_value": line.factor_value,
                            "factor_unit": line.factor_unit,
                            "factor_uncertainty_pct": line.factor_uncertainty_pct,
                            "kgco2e": line.kgco2e,
                            "data_quality": line.origin,
                            "uncertainty_pct": line.uncertainty_pct,
                            "scope": line.scope,
                            "beges_category": line.beges_category,
                            "detail": line.detail,
                        }
                        for line in post.lines
                    ],
                }
                for post in self.posts
            ],
            "precision_hints": [
                {
                    "field": hint.field,
                    "label": hint.label,
                    "share_of_variance": hint.share_of_variance,
                    "kgco2e": hint.kgco2e,
                }
                for hint in self.precision_hints
            ],
            "notes": list(self.notes),
            "shared_premises": self.shared_premises,
        }
