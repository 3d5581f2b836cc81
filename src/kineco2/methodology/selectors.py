"""Reads of the methodology pages: who may maintain, versions, the effect of a version.

:func:`panel_effect` summarises what a version does to the panel's stored results, from the
figures of :mod:`kineco2.methodology.services`. Every aggregate it returns goes through the
project's disclosure control: :mod:`kineco2.benchmarks.disclosure` when it is installed
(thresholds per statistic, protected quantiles, rounded counts), else the small-cell rule of
:mod:`kineco2.benchmarks.aggregates` (nothing on fewer than 5 practices) — one adapter,
:func:`distribution` / :func:`count`. The practices that move most are individual records:
each is described only by the most detailed of (year, region, zone type, size) →
(year, region) → (year, zone type, size) → (year, size) → (year) that at least
:func:`min_count` practices of the panel share (never a region of fewer practices), and by
relative figures rounded to the percent — never its footprint in kg (decision 0008, rule 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count

from kineco2.benchmarks import aggregates
from kineco2.benchmarks.aggregates import SIZES, ZONE_TYPES
from kineco2.benchmarks.services import LAYOUT, posts_from_blob
from kineco2.engine.posts import POST_IDS, POSTS
from kineco2.methodology.models import PERMISSION, RecomputeJob, VersionFigures
from kineco2.practices.models import Assessment

POST_LABELS = {post.ID: post.LABEL for post in POSTS}
#: Bins of the relative change of the total (in %), for the histogram.
BINS = (-np.inf, -20.0, -10.0, -5.0, -1.0, 1.0, 5.0, 10.0, 20.0, np.inf)
BIN_LABELS = (
    "baisse de plus de 20 %",
    "baisse de 10 à 20 %",
    "baisse de 5 à 10 %",
    "baisse de 1 à 5 %",
    "moins de 1 % d'écart",
    "hausse de 1 à 5 %",
    "hausse de 5 à 10 %",
    "hausse de 10 à 20 %",
    "hausse de plus de 20 %",
)


def registry_path():
    """The methodology registry in use (``KINECO2_METHODOLOGY_REGISTRY`` overrides it)."""
    from pathlib import Path

    from django.conf import settings

    from kineco2.engine.versions import REGISTRY

    custom = getattr(settings, "KINECO2_METHODOLOGY_REGISTRY", None)
    return Path(custom) if custom else REGISTRY


# -- disclosure control (one adapter) -------------------------------------------------------
try:  # the project's disclosure-control module (issue 9)
    from kineco2.benchmarks import disclosure as _sdc
except ImportError:  # pragma: no cover - before it lands: the small-cell rule
    _sdc = None


@dataclass(frozen=True)
class Distribution:
    """A published distribution: quantiles (``None`` when not publishable) and a count."""

    n: int | None
    p10: float | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None
    p90: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.n is None or self.median is None

    @property
    def label(self) -> str:
        return _sdc.SUPPRESSED_LABEL if _sdc else aggregates.SUPPRESSED_LABEL


def min_count() -> int:
    return _sdc.MIN_COUNT if _sdc else aggregates.MIN_PRACTICES


def count(n: int) -> int | None:
    """A count as it may be published (``None``: too few practices)."""
    if _sdc:
        return _sdc.published_count(int(n))
    return int(n) if n >= aggregates.MIN_PRACTICES else None


def group_key(members, *parts) -> bytes:
    """The disclosure key of a group of practices (computed once per group)."""
    if _sdc:
        from django.conf import settings

        return _sdc.cell_key(members, "methodologie", *parts, salt=settings.SECRET_KEY)
    return b""


def distribution(values, key: bytes, *parts) -> Distribution:
    """The publishable distribution of ``values`` (one per practice of the group of ``key``)."""
    array = np.asarray(values, float)
    array = array[np.isfinite(array)]
    if _sdc:
        q = _sdc.quantiles(array.tolist(), key=_sdc.derive(key, *parts))
        return Distribution(count(array.size), q[0.1], q[0.25], q[0.5], q[0.75], q[0.9])
    described = aggregates.describe(array)
    if described.suppressed:
        return Distribution(None)
    return Distribution(
        described.n,
        described.p10,
        described.p25,
        described.median,
        described.p75,
        described.p90,
    )


def can_maintain(user) -> bool:
    """Role « méthodologie »: the group's permission, or the panel role of maintainer."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.has_perm(PERMISSION):
        return True
    from kineco2.panel.roles import perimeter_for

    return perimeter_for(user).is_maintainer


def latest_job(version: str) -> RecomputeJob | None:
    return RecomputeJob.objects.filter(version=version).order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class PostEffect:
    id: str
    label: str
    change_kg: Distribution  # distribution of the change of the post, kg CO2e
    mean_kg: float | None  # mean change (None below the small-cell threshold)
    moved: int | None  # practices whose post moved by 1 kg or more (None when < 5)


@dataclass(frozen=True)
class Mover:
    """One of the assessments that move most, as it may be shown (decision 0008, rule 9).

    ``reference_year`` / ``region`` / ``zone`` / ``size``: ``None`` when left out because
    fewer than :func:`min_count` practices of the panel share the more detailed description;
    ``peers``: the rounded number of practices sharing the description shown. Figures are
    relative to the stored total and rounded to the percent; no kg of one practice.
    """

    reference_year: int | None
    region: str | None
    zone: str | None
    size: str | None
    peers: int | None
    old_version: str
    relative: float  # relative change of the total, rounded to 0.01
    posts: list[tuple[str, float]]  # (label, change / stored total, rounded to 0.01)


#: The descriptions a mover may get, most detailed first. The region goes first: in a small
#: region it names the practice.
DESCRIPTIONS: tuple[tuple[str, ...], ...] = (
    ("year", "region", "zone", "size"),
    ("year", "region"),
    ("year", "zone", "size"),
    ("year", "size"),
    ("year",),
)


def _describe(attributes: dict[str, Any], cells: dict[tuple, int]) -> tuple[tuple[str, ...], int]:
    """The most detailed description shared by at least :func:`min_count` practices."""
    for description in DESCRIPTIONS:
        key = (description, tuple(attributes[a] for a in description))
        if cells.get(key, 0) >= min_count():
            return description, cells[key]
    return (), 0


@dataclass(frozen=True)
class PanelEffect:
    version: str
    n: int
    scalar: int
    relative_pct: Distribution  # distribution of the relative change of the total, %
    change_kg: Distribution  # distribution of the change of the total, kg
    histogram: list[tuple[str, int | None]]  # None: fewer than 5 practices in the bin
    posts: list[PostEffect]
    movers: list[Mover] = field(default_factory=list)
    from_versions: list[str] = field(default_factory=list)


def _posts_matrix(blobs: list, layouts: list[str]) -> np.ndarray:
    """Posts of many rows (packed float64) as an array, in :data:`POST_IDS` order."""
    width = len(POST_IDS)
    if all(layout == LAYOUT for layout in layouts) and all(len(b) == 8 * width for b in blobs):
        joined = b"".join(bytes(b) for b in blobs)
        return np.frombuffer(joined, dtype="<f8").reshape(len(blobs), width).copy()
    return np.array(
        [posts_from_blob(bytes(b), layout) for b, layout in zip(blobs, layouts, strict=True)],
        float,
    )


def panel_effect(version: str, *, movers: int = 10) -> PanelEffect | None:
    """The effect of ``version`` on the stored results (``None`` before any figure).

    One query without joins for the figures; the descriptions (year, region, zone, size) are
    read for the few assessments that move most only.
    """
    rows = list(
        VersionFigures.objects.filter(version=version)
        .order_by("assessment_id")
        .values_list(
            "assessment_id",
            "old_total_kg",
            "total_kg",
            "old_posts",
            "posts",
            "layout",
            "old_version",
            "scalar",
        )
    )
    if not rows:
        return None
    members = [r[0] for r in rows]
    key = group_key(members, version)
    old = np.array([r[1] for r in rows], float)
    new = np.array([r[2] for r in rows], float)
    layouts = [r[5] for r in rows]
    old_posts = _posts_matrix([r[3] for r in rows], layouts)
    new_posts = _posts_matrix([r[4] for r in rows], layouts)
    delta_posts = new_posts - old_posts
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(old > 0, 100.0 * (new - old) / old, np.nan)
    n = len(rows)
    finite = relative[np.isfinite(relative)]
    counts, _ = np.histogram(finite, bins=np.array(BINS))
    histogram = [(label, count(int(c))) for label, c in zip(BIN_LABELS, counts, strict=True)]
    posts = []
    for index, post_id in enumerate(POST_IDS):
        column = delta_posts[:, index]
        big = n >= min_count()
        posts.append(
            PostEffect(
                id=post_id,
                label=POST_LABELS.get(post_id, post_id),
                change_kg=distribution(column, key, post_id),
                mean_kg=float(column.mean()) if big else None,
                moved=count(int(np.count_nonzero(np.abs(column) >= 1.0))) if big else None,
            )
        )
    top: list[Mover] = []
    if n >= min_count():
        order = [
            int(i)
            for i in np.argsort(-np.nan_to_num(np.abs(relative), nan=-1.0))[:movers]
            if np.isfinite(relative[i])
        ]
        # how many practices share each description: one GROUP BY in the database
        fields = (
            "reference_year",
            "practice__region_name",
            "practice__practitioners",
            "figures__zone",
        )
        cells: dict[tuple, int] = {}
        for year, region, practitioners, zone, number in (
            Assessment.objects.filter(
                pk__in=VersionFigures.objects.filter(version=version).values("assessment_id")
            )
            .values_list(*fields)
            .annotate(number=Count("pk"))
            .order_by()
        ):
            attributes = {
                "year": year,
                "region": region or "",
                "zone": zone or "",
                "size": _size(practitioners),
            }
            for description in DESCRIPTIONS:
                cell = (description, tuple(attributes[a] for a in description))
                cells[cell] = cells.get(cell, 0) + number
        described = {
            pk: {
                "year": year,
                "region": region or "",
                "zone": zone or "",
                "size": _size(practitioners),
            }
            for pk, year, region, practitioners, zone in Assessment.objects.filter(
                pk__in=[members[i] for i in order]
            )
            .values_list("pk", *fields)
            .order_by()
        }
        for i in order:
            attributes = described.get(members[i])
            if attributes is None:
                continue
            shown, peers = _describe(attributes, cells)
            if not shown:
                continue  # not even its year is shared by enough practices
            changes = sorted(
                (
                    (POST_LABELS.get(p, p), round(float(delta_posts[i, j] / old[i]), 2))
                    for j, p in enumerate(POST_IDS)
                    if abs(delta_posts[i, j]) >= 0.005 * old[i]
                ),
                key=lambda item: -abs(item[1]),
            )
            top.append(
                Mover(
                    reference_year=attributes["year"] if "year" in shown else None,
                    region=(attributes["region"] or "") if "region" in shown else None,
                    zone=(
                        ZONE_TYPES.get(attributes["zone"], ("",))[0] if "zone" in shown else None
                    ),
                    size=SIZES.get(attributes["size"], "") if "size" in shown else None,
                    peers=count(peers),
                    old_version=rows[i][6],
                    relative=round(float(relative[i]) / 100, 2),
                    posts=[c for c in changes if c[1]][:4],
                )
            )
    return PanelEffect(
        version=version,
        n=n,
        scalar=sum(1 for r in rows if r[7]),
        relative_pct=distribution(relative, key, "relative"),
        change_kg=distribution(new - old, key, "total"),
        histogram=histogram,
        posts=posts,
        movers=top,
        from_versions=sorted({r[6] for r in rows}),
    )


def _size(practitioners: Any) -> str:
    from kineco2.benchmarks.aggregates import size_class

    return size_class(practitioners)


__all__ = [
    "Distribution",
    "Mover",
    "PanelEffect",
    "PostEffect",
    "can_maintain",
    "latest_job",
    "panel_effect",
]
