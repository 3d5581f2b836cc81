"""``disclosure.quantiles_many`` (numpy, many indicators of one group at once) gives exactly the
figures of the scalar reference ``disclosure.quantiles`` (hypothesis)."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kineco2.benchmarks import disclosure

FRACTIONS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
# Sizes around every threshold (11, 15, 30, 60) and a few larger ones.
SIZES = [0, 1, 7, 10, 11, 12, 14, 15, 16, 29, 30, 31, 59, 60, 61, 100, 257]
# Few distinct values (ties), any magnitude, zeros and signs, and non-finite ones to filter.
finite = st.one_of(
    st.sampled_from([0.0, 1.0, 2.5, -3.0, 1e-300, 123456.789]),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
)
value = st.one_of(finite, finite, finite, st.sampled_from([math.nan, math.inf, -math.inf]))


def same(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(
        (x is None and y is None) or (x is not None and y is not None and x == y)
        for x, y in zip(a.values(), b.values(), strict=True)
    )


@settings(max_examples=300, deadline=None)
@given(
    n=st.sampled_from(SIZES),
    rows=st.integers(min_value=1, max_value=4),
    data=st.data(),
    with_non_finite=st.booleans(),
    fractions=st.lists(st.sampled_from(FRACTIONS), min_size=1, max_size=7, unique=True),
)
def test_equals_the_scalar_reference(n, rows, data, with_non_finite, fractions) -> None:
    strategy = value if with_non_finite else finite
    matrix = [data.draw(st.lists(strategy, min_size=n, max_size=n)) for _ in range(rows)]
    keys = [data.draw(st.binary(min_size=1, max_size=16)) for _ in range(rows)]
    got = disclosure.quantiles_many(np.array(matrix).reshape(rows, n), fractions, keys=keys)
    for row, key, result in zip(matrix, keys, got, strict=True):
        assert same(result, disclosure.quantiles(row, fractions, key=key))


@settings(max_examples=200, deadline=None)
@given(
    n=st.sampled_from([15, 16, 30, 31, 60, 61, 97]),
    rows=st.integers(min_value=1, max_value=3),
    data=st.data(),
)
def test_equals_the_scalar_reference_before_rounding(n, rows, data) -> None:
    """Without the rounding to 3 significant figures (which hides most last-bit differences):
    the window sums, the division and the perturbation are bit for bit the scalar ones."""
    magnitudes = st.floats(min_value=1e-3, max_value=1e17, allow_nan=False, allow_infinity=False)
    # Few values far apart: windows where a plain left-to-right sum loses digits.
    cancelling = st.sampled_from([-1e16, -3.0, 0.1, 0.3, 1.0, 1e16])
    mixed = st.one_of(magnitudes, magnitudes.map(lambda x: -x), cancelling)
    values = data.draw(st.sampled_from([mixed, cancelling]))
    matrix = [data.draw(st.lists(values, min_size=n, max_size=n)) for _ in range(rows)]
    keys = [data.draw(st.binary(min_size=1, max_size=16)) for _ in range(rows)]
    with mock.patch.object(disclosure, "round_significant", lambda value: value):
        got = disclosure.quantiles_many(np.array(matrix), FRACTIONS, keys=keys)
        expected = [
            disclosure.quantiles(r, FRACTIONS, key=k) for r, k in zip(matrix, keys, strict=True)
        ]
    assert got == expected


def test_window_sum_is_exact() -> None:
    """The median window of these 15 values is (-1e16, 0.1, 0.3, 1, 1e16): an exact sum gives
    1.4 (a plain left-to-right one gives 0)."""
    row = [-1e16] * 6 + [0.1, 0.3, 1.0] + [1e16] * 6
    got = disclosure.quantiles_many(np.array([row]), (0.5,), keys=[b"k"])
    assert got == [disclosure.quantiles(row, (0.5,), key=b"k")]
    assert got[0][0.5] is not None and abs(got[0][0.5] - 1.4 / 5) <= 0.03 * 1.4 / 5 + 1e-3


def test_large_lognormal_block_matches() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.lognormal(1.0, 1.2, size=(7, 5000))
    keys = [bytes([i]) * 8 for i in range(7)]
    got = disclosure.quantiles_many(matrix, keys=keys)
    assert got == [disclosure.quantiles(row, key=k) for row, k in zip(matrix, keys, strict=True)]
    assert all(q[0.5] is not None for q in got)


def test_rejects_unknown_fraction_and_wrong_shape() -> None:
    with pytest.raises(ValueError):
        disclosure.quantiles_many(np.ones((1, 20)), (0.3,), keys=[b"k"])
    with pytest.raises(ValueError):
        disclosure.quantiles_many(np.ones((2, 20)), keys=[b"k"])
    with pytest.raises(ValueError):
        disclosure.quantiles_of_windows(np.ones((1, 2, 5)), 30, keys=[b"k"])  # 5 windows


@settings(max_examples=200, deadline=None)
@given(
    n=st.sampled_from(SIZES),
    rows=st.integers(min_value=1, max_value=4),
    data=st.data(),
    fractions=st.lists(st.sampled_from(FRACTIONS), min_size=1, max_size=7, unique=True),
)
def test_windows_alone_give_the_scalar_reference(n, rows, data, fractions) -> None:
    """``quantiles_of_windows`` reads only the ordered values at ``window_plan``'s windows."""
    matrix = [data.draw(st.lists(finite, min_size=n, max_size=n)) for _ in range(rows)]
    keys = [data.draw(st.binary(min_size=1, max_size=16)) for _ in range(rows)]
    plan = disclosure.window_plan(n, fractions)
    assert [f for f, _ in plan] == [
        f for f in fractions if disclosure.allowed(n, disclosure.FAMILY_OF[f])
    ]
    ordered = np.sort(np.array(matrix).reshape(rows, n), axis=1)
    windows = np.zeros((rows, len(plan), disclosure.WINDOW))
    for j, (_, start) in enumerate(plan):
        windows[:, j] = ordered[:, start : start + disclosure.WINDOW]
    got = disclosure.quantiles_of_windows(windows, n, fractions, keys=keys)
    for row, key, result in zip(matrix, keys, got, strict=True):
        assert same(result, disclosure.quantiles(row, fractions, key=key))
