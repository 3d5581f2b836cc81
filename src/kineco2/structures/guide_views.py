"""Public pages: the guide « l'exercice coordonné », regional contacts, the directory."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from kineco2.engine import geo, geography
from kineco2.structures import guide
from kineco2.structures.models import FinessEstablishment, Structure

MAX_RESULTS = 50


def guide_index(request):
    return render(request, "structures/guide_index.html", {"pages": guide.PAGES})


def guide_page(request, slug: str):
    page = guide.PAGES_BY_SLUG.get(slug)
    if page is None:
        raise Http404("Page introuvable")
    return render(request, "structures/guide_page.html", {"page": page, "pages": guide.PAGES})


def guide_contacts(request):
    data = guide.contacts()
    return render(
        request,
        "structures/guide_contacts.html",
        {
            "data": data,
            "experiment": data["direct_access_experiment"],
            "regions": data["regions"],
            "national": data["national"],
        },
    )


def directory(request):
    """« Y a-t-il une structure près de chez moi ? » — by commune (with distances) or département."""
    query = (request.GET.get("q") or "").strip()[:60]
    try:
        radius = int(request.GET.get("rayon") or guide.DEFAULT_RADIUS_KM)
    except ValueError:
        radius = guide.DEFAULT_RADIUS_KM
    if radius not in guide.RADII_KM:
        radius = guide.DEFAULT_RADIUS_KM
    commune = None
    error = None
    not_found = False
    departement = None
    point = None
    search = {"results": [], "nearest": None}
    if query:
        code = query.upper()
        if _is_departement(code):
            departement = code
        else:
            try:
                commune = geography.locate(query)
            except geography.AmbiguousCommuneError as exc:
                error = str(exc)
            except geography.UnknownCommuneError:
                matches = geography.search_communes(query, limit=1)
                commune = matches[0] if matches else None
            if commune is None and error is None:
                not_found = True
                error = (
                    f"Commune ou département « {query} » introuvable. Tapez un code postal "
                    "(ex. 35000), un nom de commune ou un numéro de département (ex. 35, 2A, 974)."
                )
        if commune is not None:
            departement = commune.departement
            found = geo.commune_point(commune.code_insee)
            point = found[:2] if found else None
        if point is not None:
            search = _around(commune, point, radius)
        elif departement is not None:
            search = {"results": _in_departement(departement), "nearest": None}
    results = search["results"]
    experiment = guide.direct_access_departements()
    return render(
        request,
        "structures/directory.html",
        {
            "query": query,
            "commune": commune,
            "departement": departement,
            "located": point is not None,
            "radius": radius,
            "radii": guide.RADII_KM,
            "results": results[:MAX_RESULTS],
            "nearest": search["nearest"],
            "more": max(0, len(results) - MAX_RESULTS),
            "error": error,
            "in_experiment": departement in experiment if departement else False,
            "region": guide.region_contacts(commune.region_code) if commune else None,
        },
        status=404 if not_found else 200,
    )


def _is_departement(code: str) -> bool:
    if code in ("2A", "2B"):
        return True
    return code.isdigit() and (len(code) == 2 or (len(code) == 3 and code.startswith("97")))


def _rows(departements: set[str]) -> list[dict]:
    """FINESS establishments and registered structures of these départements, each with its
    point: the FINESS geolocation, else the centre of its commune."""
    rows = []
    for item in FinessEstablishment.objects.filter(departement__in=departements):
        point = (item.latitude, item.longitude) if item.latitude is not None else None
        rows.append(
            {
                "name": item.name,
                "kind": item.get_kind_display(),
                "commune": item.commune_name,
                "commune_code": item.commune_code,
                "address": item.address,
                "phone": item.phone,
                "finess": item.finess,
                "source": "FINESS",
                "point": point,
                "from_centre": item.located != "adresse",
            }
        )
    registered = {r["finess"]: r for r in rows if r["finess"]}
    for structure in Structure.objects.filter(departement__in=departements):
        if structure.finess and structure.finess in registered:
            registered[structure.finess]["on_kineco2"] = True
            continue
        found = geo.commune_point(structure.commune_code) if structure.commune_code else None
        rows.append(
            {
                "name": structure.name,
                "kind": structure.get_kind_display(),
                "commune": structure.commune_name,
                "commune_code": structure.commune_code,
                "address": "",
                "phone": "",
                "finess": structure.finess,
                "source": "KinéCO2",
                "on_kineco2": True,
                "point": found[:2] if found else None,
                "from_centre": True,
            }
        )
    return rows


def _in_departement(departement: str) -> list[dict]:
    rows = _rows({departement})
    rows.sort(key=lambda r: (r["commune"], r["name"]))
    return rows


def _around(commune: geography.Commune, point: tuple[float, float], radius: int) -> dict:
    """Rows within ``radius`` km of the commune's centre, nearest first; if none, the nearest
    one within :data:`guide.NEAREST_LOOKUP_KM`."""
    rows = _rows(guide.departements_near(point, radius) | {commune.departement})
    within = _measure(rows, commune, point)
    results = [r for r in within if r["distance_km"] <= radius]
    # Those of the commune's département we cannot place are listed last, never hidden.
    for row in rows:
        if row["point"] is None and row["commune_code"][:2] == commune.code_insee[:2]:
            row["distance"] = "position inconnue"
            results.append(row)
    nearest = None
    if not within or within[0]["distance_km"] > radius:
        farther = _measure(
            _rows(guide.departements_near(point, guide.NEAREST_LOOKUP_KM)), commune, point
        )
        farther = [r for r in farther if r["distance_km"] <= guide.NEAREST_LOOKUP_KM]
        nearest = farther[0] if farther else None
    return {"results": results, "nearest": nearest}


def _measure(rows: list[dict], commune: geography.Commune, point) -> list[dict]:
    measured = []
    for row in rows:
        if row["point"] is None:
            continue
        km = geo.great_circle_km(point, row["point"])
        row["distance_km"] = km
        if row["from_centre"] and row["commune_code"] == commune.code_insee:
            row["distance"] = "dans la commune"
        else:
            row["distance"] = guide.distance_label(km)
        measured.append(row)
    measured.sort(key=lambda r: (r["distance_km"], r["name"]))
    return measured
