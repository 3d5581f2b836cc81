"""The draw report (PDF) of a campaign, typeset by Typst from ``draw_report.typ``.

Like :mod:`kineco2.report.pdf`: the template reads a JSON document from ``sys.inputs.data``,
every text already written in French; user text (campaign name, seed) only reaches Typst as
string values, never as markup. Fonts: Typst's embedded fonts and Matplotlib's DejaVu, system
fonts ignored, so the PDF is identical on every machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kineco2.panel import selectors
from kineco2.panel.draw import PROCEDURE
from kineco2.panel.models import Campaign
from kineco2.report.pdf import clean_text, compile_pdf, french_date

TEMPLATE = Path(__file__).with_name("draw_report.typ")
#: Replacements listed per quota in the PDF (the CSV has them all).
MAX_REPLACEMENTS = 15
STATUS = {"selected": "tiré", "carried": "tiré (place reportée)", "replacement": "remplaçant"}


def _places(count: int) -> str:
    return f"{count} place" if count == 1 else f"{count} places"


def build_data(campaign: Campaign) -> dict[str, Any]:
    draw = campaign.draw
    result = draw.result
    strata = {c["id"]: c["stratum"] for c in json.loads(draw.candidates_json or "[]")}

    def row(rank: int, ident: str, status: str, key: str) -> dict[str, str]:
        return {
            "rank": str(rank),
            "id": ident,
            # in words (« Mode d'exercice : Cabinet de groupe »), never « mode=groupe »
            "stratum": clean_text(selectors.stratum_label(strata.get(ident) or {})),
            "status": status,
            "key": key[:12] + "…",
        }

    quotas = []
    for selection in result.get("selections", []):
        quota = selection["quota"]
        rows = []
        for rank, item in enumerate(selection["selected"], start=1):
            rows.append(row(rank, item["id"], STATUS["selected"], item["key"]))
        start = len(rows)
        for rank, item in enumerate(selection["carried"], start=start + 1):
            rows.append(row(rank, item["id"], STATUS["carried"], item["key"]))
        replacements = selection["replacements"]
        for rank, item in enumerate(replacements[:MAX_REPLACEMENTS], start=1):
            pool = "strate" if item["pool"] == "strate" else "région"
            rows.append(row(rank, item["id"], f"{STATUS['replacement']} ({pool})", item["key"]))
        shortfall = selection["shortfall"]
        quotas.append(
            {
                "label": clean_text(
                    f"{quota['region']} · {selectors.stratum_label(quota.get('stratum'))}"
                ),
                "count_text": _places(quota["count"]),
                "rows": rows,
                "shortfall": shortfall,
                "shortfall_text": f"{_places(shortfall)} non pourvue"
                + ("s" if shortfall > 1 else ""),
                "more_replacements": max(len(replacements) - MAX_REPLACEMENTS, 0),
            }
        )
    shortfalls = [
        clean_text(
            f"{s['quota']['region']} · {selectors.stratum_label(s['quota'].get('stratum'))} : "
            f"{_places(s['missing'])} manquante" + ("s" if s["missing"] > 1 else "")
        )
        for s in result.get("shortfalls", [])
    ]
    carried = [
        clean_text(
            f"{s['quota']['region']} · {selectors.stratum_label(s['quota'].get('stratum'))} : "
            + ", ".join(item["id"] for item in s["carried"])
        )
        for s in result.get("selections", [])
        if s["carried"]
    ]
    drawn = timezone.localtime(draw.drawn_at)
    frozen = timezone.localtime(campaign.frozen_at) if campaign.frozen_at else drawn
    slug = campaign.slug
    return {
        "campaign": clean_text(campaign.name),
        "reference_year": campaign.reference_year,
        "seed": clean_text(draw.seed),
        "candidates_hash": draw.candidates_hash,
        "algorithm_version": draw.algorithm_version,
        "candidates_count": result.get("candidates_count", 0),
        "selected_count": len(result.get("selected", [])),
        "drawn_on": f"{french_date(drawn.date())} à {drawn:%H:%M}",
        "frozen_on": f"{french_date(frozen.date())} à {frozen:%H:%M}",
        "date": [drawn.year, drawn.month, drawn.day],
        "procedure": PROCEDURE,
        "rule": result.get("rule", ""),
        "quotas": quotas,
        "shortfalls": shortfalls,
        "carried": carried,
        "command": selectors.verification_command(campaign, multiline=True),
        "candidates_file": f"candidatures-{slug}.csv",
        "quotas_file": f"quotas-{slug}.yaml",
        "draw_file": f"tirage-{slug}.csv",
        "verify_url": reverse("panel_verify", args=[slug]),
    }


def render_draw_report(campaign: Campaign) -> bytes:
    data = build_data(campaign)
    return compile_pdf(TEMPLATE, data, standards=())
