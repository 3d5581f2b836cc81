"""Public pages: the guide « l'exercice coordonné », regional contacts, the directory."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from kineco2.engine import geography
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
    """« Y a-t-il une structure près de chez moi ? » — by commune or département."""
    query = (request.GET.get("q") or "").strip()[:60]
    commune = None
    error = None
    results = []
    departement = None
    if query:
        code = query.upper()
        if _is_departement(code):
            departement = code
        else:
            try:
                commune = geography.locate(query)
            except geography.UnknownCommuneError:
                matches = geography.search_communes(query, limit=1)
                commune = matches[0] if matches else None
            if commune is None:
                error = (
                    f"Commune ou département « {query} » introuvable. Tapez un code postal "
                    "(ex. 35000), un nom de commune ou un numéro de département (ex. 35, 2A, 974)."
                )
        if commune is not None:
            departement = commune.departement
        if departement is not None:
            results = _results(departement, commune)
    experiment = guide.direct_access_departements()
    return render(
        request,
        "structures/directory.html",
        {
            "query": query,
            "commune": commune,
            "departement": departement,
            "results": results[:MAX_RESULTS],
            "more": max(0, len(results) - MAX_RESULTS),
            "error": error,
            "in_experiment": departement in experiment if departement else False,
            "region": guide.region_contacts(commune.region_code) if commune else None,
        },
        status=404 if error else 200,
    )


def _is_departement(code: str) -> bool:
    if code in ("2A", "2B"):
        return True
    return code.isdigit() and (len(code) == 2 or (len(code) == 3 and code.startswith("97")))


def _results(departement: str, commune: geography.Commune | None) -> list[dict]:
    rows = []
    for item in FinessEstablishment.objects.filter(departement=departement):
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
            }
        )
    registered = {r["finess"] for r in rows if r["finess"]}
    for structure in Structure.objects.filter(departement=departement):
        if structure.finess and structure.finess in registered:
            for row in rows:
                if row["finess"] == structure.finess:
                    row["on_kineco2"] = True
            continue
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
            }
        )
    for row in rows:
        level = guide.proximity(commune, row["commune_code"], departement) if commune else 2
        row["level"] = 2 if level is None else level
        row["proximity"] = guide.PROXIMITY_LABELS[row["level"]]
    rows.sort(key=lambda r: (r["level"], r["commune"], r["name"]))
    return rows
