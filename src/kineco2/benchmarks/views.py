"""État des lieux: public page, open-data CSV, PDF report, JSON; the coordinators' scoped view.

Every figure comes from :func:`kineco2.benchmarks.aggregates.overview`, whose cells obey the
disclosure-control rules of :mod:`kineco2.benchmarks.disclosure`. Coordinators' reads are scoped
in the query (:func:`kineco2.panel.roles.scope_practices`): a URPS coordinator's page, CSV,
PDF and JSON are computed on the practices of their region(s) only.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kineco2.benchmarks import aggregates, disclosure, selectors
from kineco2.benchmarks.aggregates import (
    MIN_PRACTICES,
    POST_IDS,
    POST_LABELS,
    RECORD_FIELDS,
    SUPPRESSED_LABEL,
    Overview,
)
from kineco2.benchmarks.charts import distribution_svg, inline_svg

MIN_YEAR, MAX_YEAR = 2015, 2100
FRENCH_JSON = {"ensure_ascii": False}
READING_KEY = (
    "Boîte : moitié centrale des cabinets (du 25e au 75e centile) ; trait épais : médiane ; "
    "moustaches : du 10e au 90e centile. Le chiffre à droite est la médiane, n le nombre de "
    "cabinets."
)


class BadQuery(ValueError):
    """A query parameter of the API is invalid (French message)."""


@dataclass(frozen=True)
class Selection:
    population: str
    year: int | None
    years: list[int]
    populations: list[tuple[str, str]]
    scope: str  # « National » or the coordinator's regions
    regions: list[str] | None  # the region rows shown (None: all)

    @property
    def population_label(self) -> str:
        return selectors.POPULATIONS[self.population]

    @property
    def population_description(self) -> str:
        return selectors.POPULATION_DESCRIPTIONS[self.population]

    def query(self) -> str:
        year = f"&annee={self.year}" if self.year else ""
        return f"?population={self.population}{year}"


def _perimeter(request):
    """The viewer's perimeter; 403 without a panel role (anonymous users are sent to login)."""
    from kineco2.panel.roles import perimeter_for

    perimeter = perimeter_for(request.user)
    if not perimeter.is_staff_member:
        raise PermissionDenied("Réservé aux coordinateurs du panel.")
    return perimeter


def _selection(request, perimeter=None, *, strict: bool = False) -> Selection:
    """Population and year from the query string (defaults when absent or, for pages, invalid)."""
    populations = [
        (key, label)
        for key, label in selectors.POPULATIONS.items()
        if key != "panel" or selectors.panel_available()
    ]
    population = request.GET.get("population") or ""
    if population not in dict(populations):
        if population and strict:
            raise BadQuery("Paramètre « population » inconnu : « panel » ou « autodiagnostics ».")
        population = selectors.default_population()
    years = selectors.available_years(population, perimeter=perimeter)
    raw_year = (request.GET.get("annee") or "").strip()
    year: int | None = years[0] if years else None
    if raw_year:
        try:
            wanted = int(raw_year)
        except ValueError:
            wanted = None
        if wanted is None or not MIN_YEAR <= wanted <= MAX_YEAR:
            if strict:
                raise BadQuery(
                    f"Paramètre « annee » invalide : une année entre {MIN_YEAR} et {MAX_YEAR}."
                )
        else:
            year = wanted
    if perimeter is None or perimeter.national:
        scope, regions = "National", None
    else:
        names = aggregates.regions()
        regions = sorted(perimeter.regions, key=lambda code: names.get(code, code))
        scope = ", ".join(names.get(code, code) for code in regions)
    return Selection(population, year, years, populations, scope, regions)


def _overview(selection: Selection, perimeter=None) -> Overview:
    return selectors.load_overview(
        selection.population,
        year=selection.year,
        perimeter=perimeter,
        regions_shown=selection.regions,
    )


# -- page ----------------------------------------------------------------------------------
def _rows(table) -> list[dict[str, Any]]:
    return [
        {
            "code": row.code,
            "label": row.label,
            "overseas": row.code in aggregates.OVERSEAS_REGIONS,
            "annual": row.cells["total_t"],
            "session": row.cells["seance_kg"],
        }
        for row in table.rows
    ]


def _page_context(selection: Selection, overview: Overview) -> dict[str, Any]:
    national = overview.national
    posts = [
        {
            "id": post,
            "label": POST_LABELS[post],
            "annual": national.cells[f"t:{post}"],
            "session": national.cells[f"seance:{post}"],
        }
        for post in POST_IDS
    ]
    ranked = sorted(
        posts,
        key=lambda p: -p["annual"].median if isinstance(p["annual"], aggregates.Cell) else 0,
    )
    charts = {
        "posts": inline_svg(
            distribution_svg(
                [(p["label"], p["annual"]) for p in ranked],
                title="Émissions annuelles par poste (t CO2e par an)",
                unit="t CO2e par an",
            )
        )
    }
    tables = []
    for dimension in ("region", "zone", "size", "mode"):
        table = overview.breakdowns[dimension]
        rows = _rows(table)
        tables.append(
            {
                "id": dimension,
                "label": table.label,
                "rows": rows,
                "chart": inline_svg(
                    distribution_svg(
                        [(r["label"], r["session"]) for r in rows],
                        title=f"Empreinte d'une séance — {table.label.lower()} (kg CO2e)",
                        unit="kg CO2e par séance",
                    )
                ),
            }
        )
    return {
        "selection": selection,
        "national": {"annual": national.cells["total_t"], "session": national.cells["seance_kg"]},
        "n": overview.n,
        "posts": ranked,
        "charts": charts,
        "tables": tables,
        "min_practices": MIN_PRACTICES,
        "min_figures": disclosure.MIN_PRACTICES_FOR["median"],
        "min_deciles": disclosure.MIN_PRACTICES_FOR["deciles"],
        "suppressed_label": SUPPRESSED_LABEL,
        "reading_key": READING_KEY,
    }


def _render_page(request, selection: Selection, overview: Overview, *, coordination: bool):
    context = _page_context(selection, overview)
    prefix = "etat_des_lieux_coordination" if coordination else "etat_des_lieux"
    query = selection.query()
    context |= {
        "coordination": coordination,
        "csv_url": reverse(f"{prefix}_csv") + query,
        "pdf_url": reverse(f"{prefix}_pdf") + query,
        "json_url": reverse(f"{prefix}_api") + query,
        "form_url": reverse(prefix),
    }
    return render(request, "benchmarks/etat_des_lieux.html", context)


@require_GET
def etat_des_lieux(request):
    selection = _selection(request)
    return _render_page(request, selection, _overview(selection), coordination=False)


@login_required
@require_GET
def coordination(request):
    perimeter = _perimeter(request)
    selection = _selection(request, perimeter)
    return _render_page(request, selection, _overview(selection, perimeter), coordination=True)


# -- CSV -------------------------------------------------------------------------------------
def _csv_number(value: float | int | None) -> str:
    """Decimal comma, no thousands separator, 4 decimals at most (a French spreadsheet)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _filename(selection: Selection, extension: str, *, coordination: bool) -> str:
    year = selection.year or "toutes-annees"
    scope = "-perimetre" if coordination else ""
    return f"kineco2-etat-des-lieux-{selection.population}-{year}{scope}.{extension}"


def _csv_response(selection: Selection, overview: Overview, *, coordination: bool):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(RECORD_FIELDS)
    for record in aggregates.records(
        overview, population=selection.population, year=selection.year
    ):
        writer.writerow(
            [
                _csv_number(record[key])
                if key in ("n_cabinets", "p10", "p25", "mediane", "p75", "p90")
                else ("" if record[key] is None else record[key])
                for key in RECORD_FIELDS
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = _filename(selection, "csv", coordination=coordination)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def etat_des_lieux_csv(request):
    selection = _selection(request)
    return _csv_response(selection, _overview(selection), coordination=False)


@login_required
@require_GET
def coordination_csv(request):
    perimeter = _perimeter(request)
    selection = _selection(request, perimeter)
    return _csv_response(selection, _overview(selection, perimeter), coordination=True)


# -- PDF -------------------------------------------------------------------------------------
def _pdf_response(selection: Selection, overview: Overview, *, coordination: bool):
    from django.core.cache import cache

    from kineco2.benchmarks.pdf import render_report

    today = timezone.localdate()
    # The same published figures, scope and day give the same report: typeset it once.
    key = selectors._key(
        "pdf", selection.population, selection.year, None, None, selection.scope, str(today)
    )
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_report(
            overview,
            population=selection.population,
            population_label=selection.population_label,
            population_description=selection.population_description,
            year=selection.year,
            scope=selection.scope,
            generated_on=today,
        )
        cache.set(key, pdf, selectors.CACHE_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = _filename(selection, "pdf", coordination=coordination)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def etat_des_lieux_pdf(request):
    selection = _selection(request)
    return _pdf_response(selection, _overview(selection), coordination=False)


@login_required
@require_GET
def coordination_pdf(request):
    perimeter = _perimeter(request)
    selection = _selection(request, perimeter)
    return _pdf_response(selection, _overview(selection, perimeter), coordination=True)


# -- JSON ------------------------------------------------------------------------------------
def _json_response(request, perimeter=None):
    try:
        selection = _selection(request, perimeter, strict=True)
    except BadQuery as exc:
        return JsonResponse({"erreur": str(exc)}, status=400, json_dumps_params=FRENCH_JSON)
    overview = _overview(selection, perimeter)
    return JsonResponse(
        {
            "population": selection.population,
            "libelle_population": selection.population_label,
            "description_population": selection.population_description,
            "annee": selection.year,
            "annees_disponibles": selection.years,
            "perimetre": selection.scope,
            "regle": (
                f"Aucune case décrivant moins de {MIN_PRACTICES} cabinets n'est publiée : "
                f"ses chiffres sont remplacés par « {SUPPRESSED_LABEL} ». Effectifs arrondis à "
                f"{disclosure.COUNT_BASE} ; médiane et quartiles à partir de "
                f"{disclosure.MIN_PRACTICES_FOR['median']} cabinets, 10e et 90e centiles à "
                f"partir de {disclosure.MIN_PRACTICES_FOR['deciles']}."
            ),
            "methode": disclosure.METHOD,
            "genere_le": timezone.now().isoformat(timespec="seconds"),
            "champs": list(RECORD_FIELDS),
            "cases": aggregates.records(
                overview, population=selection.population, year=selection.year
            ),
        },
        json_dumps_params=FRENCH_JSON,
    )


@require_GET
def api_distributions(request):
    return _json_response(request)


@require_GET
def api_coordination(request):
    if not request.user.is_authenticated:
        return JsonResponse(
            {"erreur": "Connectez-vous pour accéder à ces données."},
            status=401,
            json_dumps_params=FRENCH_JSON,
        )
    try:
        perimeter = _perimeter(request)
    except PermissionDenied:
        return JsonResponse(
            {"erreur": "Réservé aux coordinateurs du panel."},
            status=403,
            json_dumps_params=FRENCH_JSON,
        )
    return _json_response(request, perimeter)
