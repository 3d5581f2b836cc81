"""Bâtiment (scope 3, BEGES 4.2): construction of the premises, amortised.

Method: surface × construction factor per m² ÷ 50 years (Bilan Carbone® convention for
tertiary buildings); a building older than the amortisation period counts zero.
"""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "batiment"
LABEL = "Bâtiment"
METHOD = "Surface × facteur de construction par m² ÷ 50 ans (convention Bilan Carbone®) ; un bâtiment de plus de 50 ans est amorti et ne compte plus."
FACTOR_BY_TYPE = {"sante": "batiment_sante_m2", "bureau": "batiment_bureau_m2"}
FACTORS = frozenset(FACTOR_BY_TYPE.values())
PARAMETERS = frozenset({"duree_amortissement_batiment"})


def compute(ctx: Context) -> None:
    kind, _ = ctx.choice(ID, "building_type", "building_type")
    period = ctx.parameter("duree_amortissement_batiment")
    age = ctx.inputs.batiment.building_age_years
    if age is not None and age >= period.value:
        ctx.note(
            f"Bâtiment de plus de {period.value:.0f} ans : sa construction est amortie et "
            "ne compte plus dans le bilan."
        )
        return
    ctx.line(
        ID,
        "construction",
        "Construction des locaux (amortie)",
        ctx.surface / period,
        FACTOR_BY_TYPE[kind],
        unit="m²/an",
        scope=3,
        beges="4.2",
    )
