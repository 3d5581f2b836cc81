"""engine.geo: commune points, great-circle distances, FINESS projections back to degrees."""

from __future__ import annotations

import pytest

from kineco2.engine import geo, survey

# Control values computed with PROJ (pyproj), 5 decimals, for one point of each system the
# FINESS extract uses (published in a public test of a FINESS reader): (x, y, system) →
# (latitude, longitude).
CONTROL = [
    (870262.2, 6571540.8, "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)",
     46.22229, 5.20918),
    (882408.3, 6543019.6, "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93",
     45.96240, 5.35565),
    (657242.9, 1795384.4, "2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles)",
     16.23400, -61.52874),
    (353672.8, 544349.1, "EPSG:2972", 4.92347, -52.31973),
    (323086.6, 7679599.8, "EPSG:2975", -20.97571, 55.29821),
    (524819.9, 8587194.7, "2,ATLASANTE,100,BDADRESSE,EPSG:4471 RGM04/UTM zone 38S (Mayotte)",
     -12.77989, 45.22868),
    (563213.8, 5180306.8, "2,ATLASANTE,90,BAN,WGS84/UTM zone 21N (St-Pierre-et-Miquelon)",
     46.77332, -56.17201),
    (563213.8, 5180306.8, "UTM_N21", 46.77332, -56.17201),
]  # fmt: skip


@pytest.mark.parametrize(("x", "y", "system", "lat", "lon"), CONTROL)
def test_projected_points_come_back_to_degrees_like_proj(x, y, system, lat, lon):
    got = geo.projected_to_wgs84(x, y, system)
    assert got == pytest.approx((lat, lon), abs=2e-5)


def test_an_unknown_system_gives_no_point():
    assert geo.projected_to_wgs84(1, 2, "EPSG:9999") is None
    assert geo.projected_to_wgs84(1, 2, "") is None
    assert geo.projection_of("1,ATLASANTE,90,BAN,SYSTEME INCONNU") is None


def test_paris_lyon_great_circle():
    paris, lyon = geo.commune_point("75056"), geo.commune_point("69123")
    # City centres (Hôtel de Ville ↔ Bellecour) are ≈ 392 km apart as the crow flies; the
    # communes' reference points are a few hundred metres from them.
    assert geo.great_circle_km(paris[:2], lyon[:2]) == pytest.approx(392, abs=3)
    assert geo.great_circle_km(paris[:2], paris[:2]) == 0


def test_overseas_communes_have_points_and_the_com_without_one_says_so():
    saint_denis = geo.commune_point("97411")
    saint_pierre = geo.commune_point("97416")
    assert -21.5 < saint_denis[0] < -20.8 and 55.2 < saint_denis[1] < 55.9
    assert geo.great_circle_km(saint_denis[:2], saint_pierre[:2]) == pytest.approx(45, abs=10)
    assert geo.commune_point("97701") is None  # Saint-Barthélemy: not in the source
    assert geo.commune_point("00000") is None


def test_the_survey_uses_the_same_points():
    assert survey.commune_point is geo.commune_point
    assert survey.great_circle_km is geo.great_circle_km
