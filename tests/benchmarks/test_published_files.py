"""The état des lieux as served — page, CSV and JSON — is byte for byte the same whether its
tables come from the sort-once path or from the reference path (a sort of every group), on a
seeded population where every kind of cell appears (hidden groups, counts only, figures
without deciles, « Outre-mer (ensemble) » published)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import RequestFactory

from kineco2.benchmarks import aggregates, views
from kineco2.benchmarks.aggregates import OVERSEAS, overview

from .test_sort_once import random_population

PATHS = {
    "page": ("/etat-des-lieux/", views.etat_des_lieux),
    "csv": ("/etat-des-lieux/etat-des-lieux.csv", views.etat_des_lieux_csv),
    "json": ("/etat-des-lieux/api/distributions", views.api_distributions),
}


def served(kind: str, result, monkeypatch) -> bytes:
    path, view = PATHS[kind]
    monkeypatch.setattr(views, "_overview", lambda selection, perimeter=None: result)
    request = RequestFactory().get(path)
    request.csp_nonce = "nonce"
    response = view(request)
    assert response.status_code == 200
    body = response.content
    if kind == "json":  # the time of generation aside
        data = json.loads(body)
        assert data.pop("genere_le")
        return json.dumps(data, ensure_ascii=False).encode()
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [5, 21])
def test_page_csv_and_json_are_those_of_the_reference_path(seed, monkeypatch):
    population = random_population(seed, 12_000, ties=seed == 5)
    fast = overview(population, salt=b"sel")
    reference = overview(population, salt=b"sel", sort_once=False)
    overseas = fast.breakdowns["region"].row(OVERSEAS)
    assert isinstance(overseas.cells["total_t"], aggregates.Cell)
    assert isinstance(overseas.cells["seance_kg"], aggregates.Cell)
    for kind in PATHS:
        got = served(kind, fast, monkeypatch)
        expected = served(kind, reference, monkeypatch)
        assert got == expected, kind
        if kind == "page":
            assert re.search(rb"Outre-mer \(ensemble\)", got)
            assert b"<svg" in got
