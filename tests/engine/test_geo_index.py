"""The shipped SQLite index of the communes matches the CSV files, and lookups through it
give what the whole tables give."""

from __future__ import annotations

import sqlite3
from importlib import resources

import pytest

from kineco2.engine import geography


def _shipped() -> sqlite3.Connection:
    path = resources.files("kineco2.engine").joinpath("data", "geo", geography.INDEX_FILE)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_shipped_index_is_built_from_the_csv_files():
    fresh = sqlite3.connect(":memory:")
    geography.write_index(fresh)
    assert geography.index_contents(_shipped()) == geography.index_contents(fresh), (
        "communes_index.sqlite3 is stale: run python scripts/build_geo_index.py"
    )


@pytest.fixture
def compact():
    index = geography._compact_index()
    assert index is not None
    return index


@pytest.mark.parametrize(
    "code", ["69123", "75111", "2A004", "97411", "69003", "35000", "97460", "75011", "13055"]
)
def test_compact_index_agrees_with_the_whole_table(compact, code):
    whole = geography._index()
    assert compact.insee_position(code) == whole.insee_position(code)
    assert compact.postal_positions(code) == whole.postal_positions(code)
    position = compact.insee_position(code)
    if position is not None:
        assert compact.commune(position) == whole.commune(position)
        assert compact.epci_at(position) == whole.epci_at(position)
        assert compact.aire(whole.code_at(position)) == geography._aav_table().get(
            whole.code_at(position)
        )


def test_every_commune_and_aire_agrees(compact):
    whole = geography._index()
    table = geography._aav_table()
    for position in range(len(whole.rows)):
        commune = whole.commune(position)
        assert compact.commune(position) == commune
        assert compact.aire(commune.code_insee) == table.get(commune.code_insee)


def test_lookup_before_the_whole_table_is_loaded(monkeypatch):
    geography._index.cache_clear()
    geography._aav_table.cache_clear()
    try:
        saint_denis = geography.commune_by_insee("97411")
        with pytest.raises(geography.AmbiguousCommuneError):
            geography.lookup("97411")
        assert geography.locate("INSEE 69003").name == "Albigny-sur-Saône"
        assert geography.insee_patient_zone(geography.locate("69123")) == "tres_grand_pole"
        assert geography._index.cache_info().currsize == 0
        assert geography._aav_table.cache_info().currsize == 0
        assert geography.designation(saint_denis) == "97400"
    finally:
        geography._index.cache_clear()
        geography._aav_table.cache_clear()


def test_compact_index_reconnects_in_a_forked_process(compact, monkeypatch):
    import os

    assert compact.insee_position("69123") is not None
    first = compact._connection
    monkeypatch.setattr(os, "getpid", lambda: -2)  # as in a worker forked after loading
    assert compact.insee_position("69123") == geography._index().insee_position("69123")
    assert compact._connection is not first
