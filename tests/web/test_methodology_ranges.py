"""The methodology publishes the plausible ranges with their rationale (issue 12)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_methodology_lists_the_plausible_ranges_with_their_rationale(client):
    """The plausible ranges are data with a rationale: the methodology publishes them."""
    from kineco2.engine.plausibility import load_ranges

    page = client.get(reverse("methodology")).content.decode()
    assert 'id="reponses-inhabituelles"' in page
    assert "Électricité consommée</th><td>de 250 à 40\u202f000 kWh par kiné</td>" in page
    assert "Charge de fluide par appareil</th><td>au plus 30 kg</td>" in page
    for rng in load_ranges().ranges.values():
        assert html.escape(rng.rationale, quote=True) in page, rng.path
