"""Cached engine results pickle through the reducers of kineco2.web.pickling, unchanged."""

from __future__ import annotations

import copyreg
import io
import pickle
from pathlib import Path

import pytest
import yaml

from kineco2.engine import compute, parse_input
from kineco2.engine.lines import Driver, Line
from kineco2.engine.result import Interval
from kineco2.web import pickling

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def test_the_slotted_result_classes_are_registered():
    pickling.register()
    for cls in (Driver, Line, Interval):
        assert cls in copyreg.dispatch_table
        assert cls in pickling._FIELDS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_result_comes_back_identical(path):
    pickling.register()
    result = compute(parse_input(yaml.safe_load(path.read_text())), draws=500, seed=3)
    again = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301
    assert again == result
    # every field of every line, driver and interval (the whole repr would also show the
    # iteration order of a frozenset, which a rebuilt set need not keep)
    assert repr(again.lines) == repr(result.lines)
    assert repr(again.posts) == repr(result.posts)
    assert [line.detail for line in again.lines] == [line.detail for line in result.lines]
    assert again.precision_hints == result.precision_hints
    assert again.uncertainty == result.uncertainty


def test_entries_pickled_in_the_default_format_still_load():
    pickling.register()
    result = compute(parse_input(yaml.safe_load(EXAMPLES[0].read_text())), draws=200, seed=1)
    # What the cache held before the reducers: dataclasses' own __getstate__ format.
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {}  # no reducer: the default format
    pickler.dump(result)
    default = buffer.getvalue()
    assert b"kineco2.web.pickling" not in default
    assert b"kineco2.web.pickling" in pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(default) == result  # noqa: S301 (made here)
