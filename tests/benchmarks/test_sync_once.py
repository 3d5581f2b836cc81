"""A cold request looks for new snapshots once per data generation (selectors._sync), and a
new result is still published at once. Outside a transaction, as requests run
(no ``ATOMIC_REQUESTS``): the remembered generation is only kept for committed folds."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from kineco2.benchmarks import freshness, selectors, services

from .conftest import add_result, make_practice

CSV = "/etat-des-lieux/etat-des-lieux.csv?population=autodiagnostics&annee=2025"


@pytest.fixture
def counted(monkeypatch):
    calls = []
    original = services.sync_figures

    def counting(**kwargs):
        calls.append(freshness.current())
        return original(**kwargs)

    monkeypatch.setattr(services, "sync_figures", counting)
    return calls


@pytest.mark.django_db(transaction=True)
def test_one_sync_per_generation_and_new_results_at_once(client, small_cells, counted):
    first = client.get(CSV).content
    assert len(counted) == 1  # tables, years and population: one look for new snapshots
    selectors._LOCAL_OVERVIEWS.clear()
    cache.clear()
    assert client.get(CSV).content == first
    assert len(counted) == 1  # same generation: nothing new to fold in
    add_result(make_practice("35000"), 777_777.0, per_session=3.0)  # commits and bumps
    second = client.get(CSV).content
    assert second != first  # the new result is published at once
    assert len(counted) == 2


@pytest.mark.django_db(transaction=True)
def test_a_fold_inside_a_transaction_is_not_remembered(small_cells, counted):
    stamp = freshness.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        selectors._sync(stamp)
        raise RuntimeError
    selectors._sync(stamp)
    assert len(counted) == 2
