"""Points and distances: the communes' coordinates, great-circle distances, and the map
projections of the official files (Lambert-93 and UTM) turned back into degrees.

Pure Python, no Django, no projection library:

* :func:`commune_point` reads ``data/survey/commune_centres.csv.gz`` (one point and area
  per commune, WGS 84; provenance in ``data/survey/PROVENANCE.md``) once, lazily, on the
  first call; the patients' survey and the structures' directory share it.
* :func:`great_circle_km` is the haversine distance on the mean Earth sphere (IUGG), good to
  ≈ 0.5 % — the precision a « à 3,2 km » needs.
* :func:`projected_to_wgs84` reads the coordinates of the FINESS extract's
  ``geolocalisation`` rows: Lambert-93 (RGF93, mainland and Corsica) and UTM (Antilles
  zone 20 N, Saint-Pierre-et-Miquelon 21 N, Guyane 22 N, Mayotte 38 S, La Réunion 40 S).
  Their datums (RGF93, RGAF09, RGFG95, RGM04, RGR92, RGSPM06) all use the GRS 80 ellipsoid
  and coincide with WGS 84 to better than a metre, so only the projection is inverted
  (formulas of J. P. Snyder, *Map Projections — A Working Manual*, USGS 1987, §15 and §8).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from functools import cache
from importlib import resources

from kineco2.engine import geography
from kineco2.engine.errors import ReferenceDataError

__all__ = [
    "EARTH_RADIUS_KM",
    "Point",
    "commune_point",
    "commune_points",
    "great_circle_km",
    "lambert93_to_wgs84",
    "projected_to_wgs84",
    "projection_of",
    "utm_to_wgs84",
]

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

#: (latitude, longitude, area km² or None)
Point = tuple[float, float, float | None]


# -- communes ------------------------------------------------------------------------------
@cache
def commune_points() -> dict[str, Point]:
    """Every commune's point, by current INSEE code (read once)."""
    raw = resources.files("kineco2.engine").joinpath("data", "survey", "commune_centres.csv.gz")
    text = gzip.decompress(raw.read_bytes()).decode("utf-8")
    rows = csv.reader(io.StringIO(text, newline=""))
    if next(rows) != ["code_insee", "lat", "lon", "area_km2"]:
        raise ReferenceDataError("Fichier des centres de communes illisible : en-tête inattendu.")
    points: dict[str, Point] = {}
    for code, lat, lon, area in rows:
        if lat and lon:
            points[code] = (float(lat), float(lon), float(area) if area else None)
    return points


def commune_point(code_insee: str) -> Point | None:
    """(latitude, longitude, area km²) of a commune (INSEE code, current or alias), or None."""
    try:
        commune = geography.commune_by_insee(code_insee)
    except geography.UnknownCommuneError:
        return None
    return commune_points().get(commune.code_insee)


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# -- projections (GRS 80) ------------------------------------------------------------------
_A = 6378137.0  # GRS 80 semi-major axis (m)
_F = 1 / 298.257222101
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)


def _t(phi: float) -> float:
    sin = math.sin(phi)
    return math.tan(math.pi / 4 - phi / 2) / ((1 - _E * sin) / (1 + _E * sin)) ** (_E / 2)


def _m(phi: float) -> float:
    return math.cos(phi) / math.sqrt(1 - _E2 * math.sin(phi) ** 2)


@cache
def _lambert93() -> tuple[float, float, float]:
    """(n, a·F, ρ0) of Lambert-93: standard parallels 44° and 49°, origin 46.5° N 3° E."""
    phi1, phi2, phi0 = math.radians(44), math.radians(49), math.radians(46.5)
    n = (math.log(_m(phi1)) - math.log(_m(phi2))) / (math.log(_t(phi1)) - math.log(_t(phi2)))
    big_f = _m(phi1) / (n * _t(phi1) ** n)
    return n, _A * big_f, _A * big_f * _t(phi0) ** n


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in degrees of a Lambert-93 point (EPSG:2154), in metres."""
    n, af, rho0 = _lambert93()
    dx, dy = x - 700000.0, rho0 - (y - 6600000.0)
    rho = math.copysign(math.hypot(dx, dy), n)
    t = (rho / af) ** (1 / n)
    lon = math.atan2(dx, dy) / n + math.radians(3)
    phi = math.pi / 2 - 2 * math.atan(t)
    for _ in range(15):
        sin = math.sin(phi)
        nxt = math.pi / 2 - 2 * math.atan(t * ((1 - _E * sin) / (1 + _E * sin)) ** (_E / 2))
        if abs(nxt - phi) < 1e-12:
            phi = nxt
            break
        phi = nxt
    return math.degrees(phi), math.degrees(lon)


def utm_to_wgs84(x: float, y: float, zone: int, south: bool) -> tuple[float, float]:
    """(latitude, longitude) in degrees of a UTM point (GRS 80 / WGS 84), in metres."""
    k0 = 0.9996
    ep2 = _E2 / (1 - _E2)
    x -= 500000.0
    if south:
        y -= 10000000.0
    m = y / k0
    mu = m / (_A * (1 - _E2 / 4 - 3 * _E2**2 / 64 - 5 * _E2**3 / 256))
    e1 = (1 - math.sqrt(1 - _E2)) / (1 + math.sqrt(1 - _E2))
    phi1 = (
        mu
        + (3 * e1 / 2 - 27 * e1**3 / 32) * math.sin(2 * mu)
        + (21 * e1**2 / 16 - 55 * e1**4 / 32) * math.sin(4 * mu)
        + (151 * e1**3 / 96) * math.sin(6 * mu)
        + (1097 * e1**4 / 512) * math.sin(8 * mu)
    )
    sin1, cos1, tan1 = math.sin(phi1), math.cos(phi1), math.tan(phi1)
    c1 = ep2 * cos1**2
    t1 = tan1**2
    n1 = _A / math.sqrt(1 - _E2 * sin1**2)
    r1 = _A * (1 - _E2) / (1 - _E2 * sin1**2) ** 1.5
    d = x / (n1 * k0)
    lat = phi1 - (n1 * tan1 / r1) * (
        d**2 / 2
        - (5 + 3 * t1 + 10 * c1 - 4 * c1**2 - 9 * ep2) * d**4 / 24
        + (61 + 90 * t1 + 298 * c1 + 45 * t1**2 - 252 * ep2 - 3 * c1**2) * d**6 / 720
    )
    lon = (
        d
        - (1 + 2 * t1 + c1) * d**3 / 6
        + (5 - 2 * c1 + 28 * t1 - 3 * c1**2 + 8 * ep2 + 24 * t1**2) * d**5 / 120
    ) / cos1
    central = math.radians(zone * 6 - 183)
    return math.degrees(lat), math.degrees(central + lon)


#: EPSG codes of the projections the FINESS extract uses → ("lambert93",) or ("utm", zone, S?).
_EPSG: dict[int, tuple] = {
    2154: ("lambert93",),
    5490: ("utm", 20, False),  # RGAF09 / UTM 20 N (Guadeloupe, Martinique)
    4559: ("utm", 20, False),  # RRAF 1991 / UTM 20 N
    2969: ("utm", 20, False),  # Fort Marigot / UTM 20 N
    2970: ("utm", 20, False),  # Guadeloupe 1948 / UTM 20 N
    2973: ("utm", 20, False),  # Martinique 1938 / UTM 20 N
    4467: ("utm", 21, False),  # RGSPM06 / UTM 21 N (Saint-Pierre-et-Miquelon)
    2972: ("utm", 22, False),  # RGFG95 / UTM 22 N (Guyane)
    4471: ("utm", 38, True),  # RGM04 / UTM 38 S (Mayotte)
    2975: ("utm", 40, True),  # RGR92 / UTM 40 S (La Réunion)
}
_EPSG_PATTERN = re.compile(r"EPSG:(\d+)")
_UTM_NAMED = re.compile(r"UTM[ _]?ZONE[ _]?(\d{1,2})\s*([NS])\b")
_UTM_SHORT = re.compile(r"\bUTM_([NS])(\d{1,2})\b")


def projection_of(system: str) -> tuple | None:
    """The projection named by a FINESS ``sourcecoordet`` field, or None if unknown.

    Older extracts end with a short name (``…,IGN,BD_ADRESSE,V2.2,LAMBERT_93``,
    ``…,UTM_N20``); recent ones give the EPSG code and a label (``…,BAN,EPSG:2154 RGF93 /
    Lambert-93 (Métropole)``, ``…,WGS84/UTM zone 21N (St-Pierre-et-Miquelon)``).
    """
    text = system.upper()
    match = _EPSG_PATTERN.search(text)
    if match:
        code = int(match.group(1))
        if code in _EPSG:
            return _EPSG[code]
        if 32601 <= code <= 32660:
            return ("utm", code - 32600, False)
        if 32701 <= code <= 32760:
            return ("utm", code - 32700, True)
        return None
    if "LAMBERT_93" in text or "LAMBERT-93" in text or "LAMBERT 93" in text:
        return ("lambert93",)
    match = _UTM_NAMED.search(text)
    if match:
        return ("utm", int(match.group(1)), match.group(2) == "S")
    match = _UTM_SHORT.search(text)
    if match:
        return ("utm", int(match.group(2)), match.group(1) == "S")
    return None


def projected_to_wgs84(x: float, y: float, system: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a projected point, or None for an unknown system."""
    projection = projection_of(system)
    if projection is None or not (math.isfinite(x) and math.isfinite(y)):
        return None
    if projection[0] == "lambert93":
        return lambert93_to_wgs84(x, y)
    return utm_to_wgs84(x, y, projection[1], projection[2])
