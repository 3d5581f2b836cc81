"""Shared premises of a coordinated-practice structure: one assessment, shares that add up.

A maison de santé (MSP), a centre de santé or an équipe de soins primaires in shared premises
answers the **same questions** as a practice for the building it shares (energy bills,
building, refrigerants, shared equipment and secretariat, shared services, waste); the same
engine computes it with the same defaults. This module then splits every line of that
« bilan des locaux partagés » between the occupants of the premises:

* **premises lines** (energy, refrigerants, building) follow the *premises key* — by default
  the surface each occupant uses. The common areas (reception, waiting room, corridors,
  secretariat) belong to no one in particular: their part of the building goes to the
  **support functions**, which are themselves split by the *support key* (by default the
  sessions held at the premises). Nothing is lost: private surfaces + common areas = the
  whole building.
* **support lines** (shared equipment, shared services, waste) follow the support key.

Exactness: every line is converted to whole grams of CO2e (``round(kg × 1000)``) and split
by the largest-remainder method with exact fractions (:class:`fractions.Fraction`), so the
shares of a line add up to the line **exactly**, and the shares of all occupants add up to
the structure's total exactly. A member practice's assessment then receives its share as
lines marked « part des locaux partagés », which replace its own premises posts (see
:class:`SharedShare` and :func:`kineco2.engine.compute.compute`).

Pure Python: no Django import.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from kineco2.engine.errors import InputError
from kineco2.engine.formatting import format_number
from kineco2.engine.lines import Driver, Line

#: Sections of the shared-premises questionnaire (the engine's own sections).
SHARED_SECTIONS: tuple[str, ...] = (
    "energie",
    "froid",
    "batiment",
    "materiel",
    "services",
    "dechets",
)
#: Posts that belong to the building: split by the premises key.
PREMISES_POSTS: frozenset[str] = frozenset({"energie", "froid", "batiment"})
#: Posts of the support functions: split by the support key.
SUPPORT_POSTS: frozenset[str] = frozenset({"materiel", "services", "dechets"})
#: Posts of a member's own assessment replaced by its share when it has one (the building is
#: counted once, in the structure). Equipment and services are *added*: a member keeps its
#: own tables, computers and accountant; the structure's lines are the shared ones only.
REPLACED_POSTS: frozenset[str] = frozenset({"energie", "froid", "batiment", "dechets"})
#: Questions of the shared equipment and services sections: what is not declared is not
#: shared (a default « per practitioner » would double-count the members' own equipment).
ZERO_WHEN_BLANK_SECTIONS: tuple[str, ...] = ("materiel", "services")

AllocationKey = Literal["surface", "seances", "heures", "effectif"]
KEY_LABELS: dict[str, str] = {
    "surface": "la surface occupée",
    "seances": "les séances réalisées dans les locaux",
    "heures": "les heures de présence dans les locaux",
    "effectif": "le nombre de professionnels",
}
KEY_UNITS: dict[str, str] = {
    "surface": "m²",
    "seances": "séances/an",
    "heures": "h/semaine",
    "effectif": "professionnels",
}
SUPPORT_KEYS: tuple[str, ...] = ("seances", "heures", "effectif")

SHARE_ITEM_PREFIX = "partage:"


@dataclass(frozen=True, slots=True)
class Occupant:
    """One occupant of the premises: a member practice or another professional (group).

    ``key`` is stable (``"cabinet:12"``, ``"pro:3"``); the numbers are what the keys need.
    """

    key: str
    label: str
    surface_m2: float = 0.0
    sessions: float = 0.0
    hours_per_week: float = 0.0
    headcount: int = 0

    def measure(self, key: str) -> Fraction:
        value = {
            "surface": self.surface_m2,
            "seances": self.sessions,
            "heures": self.hours_per_week,
            "effectif": self.headcount,
        }[key]
        if value is None or not math.isfinite(value) or value < 0:
            raise InputError([(self.label, f"{KEY_LABELS[key]} doit être un nombre positif")])
        return Fraction(value)


def largest_remainder(total: int, weights: Mapping[str, Fraction]) -> dict[str, int]:
    """Split the integer ``total`` in proportion to ``weights`` so that the parts add up exactly.

    Each part is its quota ``total × w / Σw`` rounded down or up (Hamilton's method); the
    units left after rounding down go to the largest remainders, ties to the larger weight
    then to the first key. Weights are exact fractions; a negative total is split like its
    absolute value.
    """
    if total < 0:
        return {k: -v for k, v in largest_remainder(-total, weights).items()}
    keys = list(weights)
    weight_sum = sum(weights.values(), Fraction(0))
    if any(w < 0 for w in weights.values()) or weight_sum <= 0:
        raise ValueError("Les poids de la répartition doivent être positifs, de somme non nulle.")
    quotas = {k: Fraction(total) * weights[k] / weight_sum for k in keys}
    parts = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(parts.values())
    order = sorted(
        range(len(keys)),
        key=lambda i: (-(quotas[keys[i]] - parts[keys[i]]), -weights[keys[i]], i),
    )
    for i in order[:left]:
        parts[keys[i]] += 1
    return parts


def to_grams(kg: float) -> int:
    """Whole grams of CO2e of a line (exact conversion of the float, then rounding)."""
    return round(Fraction(kg) * 1000)


@dataclass(frozen=True)
class KeyWeights:
    """The share of each occupant (exact fractions adding up to 1) for each kind of line."""

    premises: dict[str, Fraction]
    support: dict[str, Fraction]
    premises_key: str
    support_key: str
    common_surface_m2: float
    private_surface_m2: float

    def for_post(self, post: str) -> dict[str, Fraction]:
        return self.premises if post in PREMISES_POSTS else self.support


def _normalised(occupants: Sequence[Occupant], key: str) -> dict[str, Fraction]:
    measures = {o.key: o.measure(key) for o in occupants}
    total = sum(measures.values(), Fraction(0))
    if total <= 0:
        raise InputError(
            [
                (
                    "clé de répartition",
                    f"Pour répartir selon {KEY_LABELS[key]}, indiquez-la pour au moins un "
                    "membre (elle vaut 0 pour tous).",
                )
            ]
        )
    return {k: v / total for k, v in measures.items()}


def key_weights(
    occupants: Sequence[Occupant],
    *,
    premises_key: str = "surface",
    support_key: str = "seances",
    common_surface_m2: float = 0.0,
) -> KeyWeights:
    """The exact share of each occupant, for premises lines and for support lines.

    With the surface key, an occupant's share of the building is its private surface over
    the whole surface, plus its share of the support functions times the common areas over
    the whole surface: the common areas are never lost.
    """
    if not occupants:
        raise InputError([("membres", "Ajoutez au moins un membre pour répartir les locaux.")])
    if len({o.key for o in occupants}) != len(occupants):
        raise ValueError("Deux occupants ont la même clé.")
    if premises_key not in KEY_LABELS:
        raise InputError([("clé de répartition", f"clé inconnue : {premises_key!r}")])
    if support_key not in SUPPORT_KEYS:
        raise InputError([("clé des fonctions support", f"clé inconnue : {support_key!r}")])
    if common_surface_m2 is None or not math.isfinite(common_surface_m2) or common_surface_m2 < 0:
        raise InputError([("parties communes", "La surface des parties communes doit être ≥ 0.")])
    support = _normalised(occupants, support_key)
    private = sum((o.measure("surface") for o in occupants), Fraction(0))
    common = Fraction(common_surface_m2)
    if premises_key == "surface":
        whole = private + common
        if whole <= 0:
            raise InputError(
                [
                    (
                        "clé de répartition",
                        "Pour répartir selon la surface, indiquez la surface occupée par les "
                        "membres ou celle des parties communes.",
                    )
                ]
            )
        premises = {
            o.key: o.measure("surface") / whole + support[o.key] * common / whole for o in occupants
        }
    else:
        premises = _normalised(occupants, premises_key)
    return KeyWeights(
        premises=premises,
        support=support,
        premises_key=premises_key,
        support_key=support_key,
        common_surface_m2=float(common),
        private_surface_m2=float(private),
    )


@dataclass(frozen=True)
class OccupantShare:
    occupant: Occupant
    premises_fraction: Fraction
    support_fraction: Fraction
    grams: int
    lines: tuple[Line, ...]

    @property
    def kgco2e(self) -> float:
        return self.grams / 1000

    def grams_by_post(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.post] = out.get(line.post, 0) + to_grams(line.kgco2e)
        return out


@dataclass(frozen=True)
class Allocation:
    """The shares of every occupant; ``sum(share.grams) == total_grams`` exactly."""

    structure_label: str
    weights: KeyWeights
    total_grams: int
    grams_by_post: dict[str, int]
    shares: tuple[OccupantShare, ...]
    explanation: tuple[str, ...]

    @property
    def total_kgco2e(self) -> float:
        return self.total_grams / 1000

    def share(self, key: str) -> OccupantShare:
        for share in self.shares:
            if share.occupant.key == key:
                return share
        raise KeyError(key)

    def shared_share(self, key: str) -> SharedShare:
        """What a member practice's assessment receives (see :func:`compute`)."""
        share = self.share(key)
        return SharedShare(
            structure_label=self.structure_label,
            lines=share.lines,
            grams=share.grams,
            premises_percent=float(share.premises_fraction * 100),
            support_percent=float(share.support_fraction * 100),
            premises_key=self.weights.premises_key,
            support_key=self.weights.support_key,
        )


def _structure_driver(driver: Driver) -> Driver:
    # The structure's answers are not the member's answers: distinct random variables, shared
    # by every occupant's share of the same bill.
    if driver.id.startswith("structure:"):
        return driver
    return dataclasses.replace(driver, id="structure:" + driver.id, field=None)


def _structure_group(group: str) -> str:
    # A categorical default of the structure (its heating energy) is the same for every occupant.
    return group if group.startswith("structure:") else "structure:" + group


def _share_line(line: Line, grams: int, fraction: Fraction, structure_label: str) -> Line:
    percent = format_number(float(fraction * 100), 1)
    return dataclasses.replace(
        line.map_drivers(_structure_driver, _structure_group),
        item=SHARE_ITEM_PREFIX + line.item,
        label=f"{line.label} — part des locaux partagés",
        quantity=line.quantity * float(fraction),
        kgco2e=grams / 1000,
        note=f"{percent} % de « {structure_label} »",
    )


def shared_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines of the shared-premises computation that the structure shares."""
    keep = PREMISES_POSTS | SUPPORT_POSTS
    return tuple(line for line in lines if line.post in keep)


def allocate(
    lines: Iterable[Line],
    occupants: Sequence[Occupant],
    *,
    premises_key: str = "surface",
    support_key: str = "seances",
    common_surface_m2: float = 0.0,
    structure_label: str = "locaux partagés",
) -> Allocation:
    """Split the shared lines between the occupants; every line's shares add up exactly."""
    weights = key_weights(
        occupants,
        premises_key=premises_key,
        support_key=support_key,
        common_surface_m2=common_surface_m2,
    )
    per_occupant: dict[str, list[Line]] = {o.key: [] for o in occupants}
    grams: dict[str, int] = {o.key: 0 for o in occupants}
    by_post: dict[str, int] = {}
    total = 0
    for line in shared_lines(lines):
        line_grams = to_grams(line.kgco2e)
        total += line_grams
        by_post[line.post] = by_post.get(line.post, 0) + line_grams
        fractions = weights.for_post(line.post)
        parts = largest_remainder(line_grams, fractions)
        for o in occupants:
            if fractions[o.key] == 0:
                continue
            grams[o.key] += parts[o.key]
            per_occupant[o.key].append(
                _share_line(line, parts[o.key], fractions[o.key], structure_label)
            )
    shares = tuple(
        OccupantShare(
            occupant=o,
            premises_fraction=weights.premises[o.key],
            support_fraction=weights.support[o.key],
            grams=grams[o.key],
            lines=tuple(per_occupant[o.key]),
        )
        for o in occupants
    )
    return Allocation(
        structure_label=structure_label,
        weights=weights,
        total_grams=total,
        grams_by_post=by_post,
        shares=shares,
        explanation=explain(weights),
    )


def explain(weights: KeyWeights) -> tuple[str, ...]:
    """The allocation key in plain French."""
    support = KEY_LABELS[weights.support_key]
    out = []
    if weights.premises_key == "surface":
        out.append(
            "Énergie, climatisation et bâtiment sont répartis selon la surface occupée par "
            f"chacun ({format_number(weights.private_surface_m2, 0)} m² de locaux privatifs)."
        )
        if weights.common_surface_m2 > 0:
            out.append(
                f"Les parties communes ({format_number(weights.common_surface_m2, 0)} m² : "
                "accueil, attente, secrétariat, circulations) servent à tous : leur part va aux "
                f"fonctions support, réparties selon {support}. Rien n'est perdu."
            )
    else:
        out.append(
            "Énergie, climatisation et bâtiment sont répartis selon "
            f"{KEY_LABELS[weights.premises_key]}."
        )
    out.append(
        f"Matériel partagé, secrétariat, services communs et déchets sont répartis selon {support}."
    )
    out.append(
        "Chaque ligne est arrondie au gramme puis répartie par la méthode du plus fort reste : "
        "la somme des parts est exactement le total des locaux partagés."
    )
    return tuple(out)


@dataclass(frozen=True)
class SharedShare:
    """A member practice's share of its structure's premises, carried into its result."""

    structure_label: str
    lines: tuple[Line, ...]
    grams: int
    premises_percent: float
    support_percent: float
    premises_key: str = "surface"
    support_key: str = "seances"
    replaces_posts: frozenset[str] = REPLACED_POSTS

    @property
    def kgco2e(self) -> float:
        return self.grams / 1000

    def apply(self, own_lines: Iterable[Line]) -> list[Line]:
        """The member's own lines without its premises posts, plus its allocated share."""
        kept = [line for line in own_lines if line.post not in self.replaces_posts]
        return kept + list(self.lines)

    def note(self) -> str:
        return (
            f"Énergie, climatisation, bâtiment et déchets : part des locaux partagés de "
            f"« {self.structure_label} » ({format_number(self.premises_percent, 1)} % des "
            f"locaux, {format_number(self.support_percent, 1)} % des fonctions support), "
            "calculée à partir du bilan des locaux de la structure ; vos propres réponses sur "
            "ces postes ne sont pas utilisées."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "structure": self.structure_label,
            "kgco2e": self.kgco2e,
            "premises_percent": self.premises_percent,
            "support_percent": self.support_percent,
            "premises_key": self.premises_key,
            "support_key": self.support_key,
            "replaces_posts": sorted(self.replaces_posts),
        }


def shared_premises_answers(
    *,
    commune: str,
    surface_m2: float | None,
    headcount: int,
    sessions: float | None,
    sections: Mapping[str, Mapping[str, Any]],
    reference_year: int | None = None,
) -> dict[str, Any]:
    """The engine input (as a dict) of a structure's shared premises.

    The profile describes the whole building (all occupants); the bills are the building's
    (100 % at the structure's charge). Shared equipment and services not declared are 0.
    """
    from kineco2.engine.schema import SECTIONS

    data: dict[str, Any] = {
        "profile": {
            "commune": commune,
            "practitioners": max(1, min(100, int(headcount or 1))),
            "practice_mode": "msp",
            "reference_year": reference_year,
            "surface_m2": surface_m2,
            "sessions_per_year": int(sessions) if sessions else None,
            "home_visit_percent": 0,
            "telehealth_percent": 0,
        }
    }
    for section in SHARED_SECTIONS:
        answers = {k: v for k, v in (sections.get(section) or {}).items() if v is not None}
        if section in ZERO_WHEN_BLANK_SECTIONS:
            model = SECTIONS[section]
            for name, info in model.model_fields.items():
                if name == "data_quality" or name in answers:
                    continue
                extra = info.json_schema_extra or {}
                if isinstance(extra, dict) and extra.get("unit") and name != "lifetime_years":
                    if name != "refurbished_percent":
                        answers[name] = 0
        if section == "energie":
            answers["bill_share_percent"] = 100
        data[section] = answers
    return data


# -- consolidation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsolidatedPart:
    """One member (own posts + share of the premises) or one other profession (share only)."""

    key: str
    label: str
    own_grams: int
    shared_grams: int
    grams_by_post: dict[str, int]
    interval_kg: tuple[float, float] | None = None

    @property
    def grams(self) -> int:
        return self.own_grams + self.shared_grams

    @property
    def kgco2e(self) -> float:
        return self.grams / 1000


@dataclass(frozen=True)
class Consolidation:
    """The structure's consolidated footprint: the parts add up exactly to the total."""

    parts: tuple[ConsolidatedPart, ...]
    total_grams: int
    interval_kg: tuple[float, float] | None = None
    draws: int = 0

    @property
    def total_kgco2e(self) -> float:
        return self.total_grams / 1000

    @property
    def shared_grams(self) -> int:
        return sum(p.shared_grams for p in self.parts)


def _independent(driver: Driver, prefix: str) -> Driver:
    if driver.id.startswith("structure:"):
        return driver  # the same bill, shared by every occupant's share
    return dataclasses.replace(driver, id=f"{prefix}:{driver.id}")


def consolidate(
    parts: Sequence[tuple[str, str, Sequence[Line]]],
    *,
    draws: int = 0,
    seed: int = 0,
) -> Consolidation:
    """Add up ``(key, label, lines)`` parts; 95 % intervals by Monte Carlo when ``draws``.

    Lines whose item is a share of the premises count as shared; the others as the part's own
    posts. Each part's own answers are independent of the others' (drivers prefixed by the
    part); the structure's answers and the emission factors are shared by all the parts.
    """
    built = []
    tagged: list[Line] = []
    for key, label, lines in parts:
        own = shared = 0
        by_post: dict[str, int] = {}
        renamed: dict[Driver, Driver] = {}  # a part's lines share few drivers: rename each once

        def rename(driver: Driver, key: str = key, renamed: dict = renamed) -> Driver:
            if driver not in renamed:
                renamed[driver] = _independent(driver, key)
            return renamed[driver]

        for line in lines:
            grams = to_grams(line.kgco2e)
            if line.item.startswith(SHARE_ITEM_PREFIX):
                shared += grams
            else:
                own += grams
            by_post[line.post] = by_post.get(line.post, 0) + grams
            if draws > 0:  # the renamed lines only serve the Monte Carlo
                tagged.append(
                    dataclasses.replace(
                        line.map_drivers(
                            rename,
                            lambda g, key=key: g if g.startswith("structure:") else f"{key}:{g}",
                        ),
                        post=key,
                    )
                )
        built.append((key, label, own, shared, by_post))
    total = sum(own + shared for _, _, own, shared, _ in built)
    intervals: dict[str, tuple[float, float]] = {}
    total_interval = None
    if draws > 0 and tagged:
        import numpy as np

        from kineco2.engine.result import PostResult, Result
        from kineco2.engine.uncertainty import sample_totals

        pseudo = Result(
            lines=tuple(tagged),
            posts=tuple(
                PostResult(id=key, label=label, kgco2e=0.0, share=0.0, lines=())
                for key, label, *_ in built
            ),
            total_kgco2e=total / 1000,
            sessions=1.0,
            practitioners=1,
            territory="",
            patient_zone="",
            patient_zone_guessed=False,
            commune_name="",
            factors_version="",
            defaults_version="",
            schema_version="",
            engine_version="",
        )
        samples = sample_totals(pseudo, draws, seed)
        for key, *_ in built:
            low, high = np.percentile(samples[key], [2.5, 97.5])
            intervals[key] = (float(low), float(high))
        low, high = np.percentile(samples["total"], [2.5, 97.5])
        total_interval = (float(low), float(high))
    return Consolidation(
        parts=tuple(
            ConsolidatedPart(
                key=key,
                label=label,
                own_grams=own,
                shared_grams=shared,
                grams_by_post=by_post,
                interval_kg=intervals.get(key),
            )
            for key, label, own, shared, by_post in built
        ),
        total_grams=total,
        interval_kg=total_interval,
        draws=draws if tagged else 0,
    )
