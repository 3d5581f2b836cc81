"""Vectorised re-evaluation of many assessments (a national panel) under a set of factors.

An assessment's result is linear in its emission factors: every line is
``quantity × factor value``, and the quantities depend on the answers and the defaults, not
on the emission factors. So a panel can be stored as an *activity matrix* — one row per
assessment, one column per (post, factor id), holding the summed activity quantity — and
recomputed for any factor version with one element-wise product and one matrix product.

Method parameters (leak rates, amortisation periods: factors of kind ``parametre``) enter
the quantities; when a new version changes one of them, :func:`evaluate` refuses and the
assessments must be recomputed one by one with :func:`kineco2.engine.compute`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.posts import POST_IDS
from kineco2.engine.result import Result


@dataclass(frozen=True)
class ActivityMatrix:
    columns: tuple[tuple[str, str], ...]  # (post id, factor id)
    quantities: np.ndarray  # assessments × columns
    sessions: np.ndarray
    practitioners: np.ndarray
    factors_version: str

    def __len__(self) -> int:
        return self.quantities.shape[0]


@dataclass(frozen=True)
class BatchResult:
    post_ids: tuple[str, ...]
    by_post: np.ndarray  # assessments × posts, kg CO2e
    total: np.ndarray
    per_session: np.ndarray
    per_practitioner: np.ndarray
    factors_version: str


def activity_matrix(results: Iterable[Result]) -> ActivityMatrix:
    """Stack the activity quantities of computed results (all of the same factor version)."""
    results = list(results)
    if not results:
        raise ValueError("Aucun bilan à empiler.")
    versions = {r.factors_version for r in results}
    if len(versions) != 1:
        raise ValueError(f"Bilans de versions de facteurs différentes : {sorted(versions)}.")
    column_index: dict[tuple[str, str], int] = {}
    entries: list[tuple[int, int, float]] = []
    for row, result in enumerate(results):
        for line in result.lines:
            key = (line.post, line.factor_id)
            col = column_index.setdefault(key, len(column_index))
            entries.append((row, col, line.quantity))
    quantities = np.zeros((len(results), len(column_index)))
    rows, cols, values = (np.array(x) for x in zip(*entries, strict=True))
    np.add.at(quantities, (rows.astype(int), cols.astype(int)), values.astype(float))
    return ActivityMatrix(
        columns=tuple(column_index),
        quantities=quantities,
        sessions=np.array([r.sessions for r in results], dtype=float),
        practitioners=np.array([r.practitioners for r in results], dtype=float),
        factors_version=versions.pop(),
    )


def _check_parameters(source: FactorSet, target: FactorSet) -> None:
    changed = [
        f.id
        for f in source.values()
        if f.kind == "parametre" and (f.id not in target or target[f.id].value != f.value)
    ]
    if changed:
        raise ReferenceDataError(
            "Des paramètres de méthode ont changé entre les versions "
            f"{source.version} et {target.version} ({', '.join(changed)}) : "
            "recalculez chaque bilan avec compute()."
        )


def evaluate(matrix: ActivityMatrix, factors: FactorSet | None = None) -> BatchResult:
    """Footprints of every assessment of ``matrix`` under ``factors`` (default: their own)."""
    factors = factors or load_factors(matrix.factors_version)
    _check_parameters(load_factors(matrix.factors_version), factors)
    values = np.array([factors[factor_id].value for _, factor_id in matrix.columns])
    post_index = {post: i for i, post in enumerate(POST_IDS)}
    to_post = np.zeros((len(matrix.columns), len(POST_IDS)))
    for col, (post, _) in enumerate(matrix.columns):
        to_post[col, post_index[post]] = 1.0
    by_post = (matrix.quantities * values) @ to_post
    total = by_post.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_session = np.where(matrix.sessions > 0, total / matrix.sessions, np.nan)
    return BatchResult(
        post_ids=POST_IDS,
        by_post=by_post,
        total=total,
        per_session=per_session,
        per_practitioner=total / matrix.practitioners,
        factors_version=factors.version,
    )


def compute_many(inputs: Sequence, factors: FactorSet | None = None) -> list[Result]:
    """The scalar path for many assessments (needed when method parameters change)."""
    from kineco2.engine.compute import compute

    return [compute(item, factors=factors) for item in inputs]
