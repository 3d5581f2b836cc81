"""The vectorised batch path gives the scalar results, and follows factor changes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from kineco2.engine import compute, parse_input
from kineco2.engine.batch import activity_matrix, evaluate
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factors import FactorSet, load_factors


@pytest.fixture(scope="module")
def results():
    from pathlib import Path

    inputs = [
        parse_input(yaml.safe_load(p.read_text(encoding="utf-8")))
        for p in sorted(Path("examples").glob("*.yaml"))
    ]
    return inputs, [compute(i) for i in inputs]


def test_batch_matches_scalar(results):
    _, computed = results
    batch = evaluate(activity_matrix(computed))
    np.testing.assert_allclose(batch.total, [r.total_kgco2e for r in computed], rtol=1e-12)
    np.testing.assert_allclose(
        batch.per_session, [r.per_session_kgco2e for r in computed], rtol=1e-12
    )
    for i, result in enumerate(computed):
        for j, post in enumerate(batch.post_ids):
            assert batch.by_post[i, j] == pytest.approx(result.post(post).kgco2e, rel=1e-12)


def _with_factor(factors: FactorSet, factor_id: str, value: float) -> FactorSet:
    changed = dict(factors.factors)
    changed[factor_id] = dataclasses.replace(changed[factor_id], value=value)
    return FactorSet(version="9999.1", factors=changed)


def test_batch_follows_a_factor_change_like_the_scalar_path(results):
    inputs, computed = results
    new = _with_factor(load_factors(), "voiture_thermique", 0.25)
    batch = evaluate(activity_matrix(computed), new)
    expected = [compute(i, factors=new).total_kgco2e for i in inputs]
    np.testing.assert_allclose(batch.total, expected, rtol=1e-12)


def test_parameter_change_requires_the_scalar_path(results):
    _, computed = results
    new = _with_factor(load_factors(), "duree_amortissement_materiel", 8)
    with pytest.raises(ReferenceDataError, match="paramètres"):
        evaluate(activity_matrix(computed), new)
