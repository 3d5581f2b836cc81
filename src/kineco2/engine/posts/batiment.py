"""Bâtiment (scope 3, BEGES 4.2): construction of the premises, amortised.

Method: surface × construction factor per m² ÷ 50 years (Bilan Carbone® convention for
tertiary buildings); a building older than the amortisation period counts zero.
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.formatting import format_percent
from kineco2.engine.schema import BUILDING_TYPE_LABELS, field_title

ID = "batiment"
LABEL = "Bâtiment"
METHOD = "Surface × facteur de construction par m² ÷ 50 ans (convention Bilan Carbone®) ; un bâtiment de plus de 50 ans est amorti et ne compte plus."
FACTOR_BY_TYPE = {"sante": "batiment_sante_m2", "bureau": "batiment_bureau_m2"}
FACTORS = frozenset(FACTOR_BY_TYPE.values())
PARAMETERS = frozenset({"duree_amortissement_batiment"})


def compute(ctx: Context) -> None:
    kind, defaulted = ctx.choice(ID, "building_type", "building_type")
    period = ctx.parameter("duree_amortissement_batiment")
    age = ctx.inputs.batiment.building_age_years
    if age is not None and age >= period.value:
        ctx.note(
            f"Bâtiment de plus de {period.value:.0f} ans : sa construction est amortie et "
            "ne compte plus dans le bilan."
        )
        return
    amortised = ctx.surface / period
    shares = ctx.defaults.categorical_shares.get("building_type") if defaulted else None
    if not shares:  # answered, or a version without national shares (2025.1): one type
        ctx.line(
            ID,
            "construction",
            "Construction des locaux (amortie)",
            amortised,
            FACTOR_BY_TYPE[kind],
            unit="m²/an",
            scope=3,
            beges="4.2",
        )
        return
    # Unknown type: each type weighted by its national share (drawn as a mixture).
    weights = ctx.mixture(
        f"{ID}.building_type", shares["shares"], field_title((ID, "building_type"))
    )
    for option, weight in weights.items():
        ctx.line(
            ID,
            f"construction_{option}",
            f"Construction des locaux (amortie) — si « {BUILDING_TYPE_LABELS[option]} » "
            f"({format_percent(weight.value)} des cabinets)",
            amortised * weight,
            FACTOR_BY_TYPE[option],
            unit="m²/an",
            scope=3,
            beges="4.2",
        )
    ctx.note(
        "Type de bâtiment inconnu : la construction des locaux combine les types de locaux "
        "selon leurs parts estimées parmi les cabinets ; indiquer le vôtre préciserait le bilan."
    )
