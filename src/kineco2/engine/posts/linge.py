"""Linge (scope 3): textile purchases (BEGES 4.1), washing in the practice (cycles, BEGES 4.1)
and an outside laundry (BEGES 4.5).

Method: kg of textile bought × cotton textile factor (proxy); washing cycles × factor per
cycle (machine manufacturing, electricity and water; an estimate); laundry spend × services
ratio. Without answers, the quantities depend on what covers the table: washable sheets
mean more linen and more washing, and no paper roll (see Consommables).
"""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "linge"
LABEL = "Linge"
METHOD = "Linge acheté (kg × facteur du coton, estimation), cycles de lave-linge au cabinet × facteur par cycle (estimation : fabrication de la machine, électricité, eau) et blanchisserie extérieure × ratio monétaire."
FACTORS = frozenset({"textile_coton_kg", "cycle_lavage", "ratio_services_divers"})
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    cover, _ = ctx.choice(ID, "couch_cover", "couch_cover")
    washable = cover == "drap_lavable"
    textile_default = "textile_kg_per_year_washable_cover" if washable else "textile_kg_per_year"
    ctx.line(
        ID,
        "textile",
        "Linge acheté (serviettes, draps, tenues)",
        ctx.answer(ID, "textile_kg_per_year", textile_default),
        "textile_coton_kg",
        unit="kg",
        scope=3,
        beges="4.1",
    )
    if ctx.is_answered(ID, "wash_cycles_per_year"):
        cycles = ctx.answer(ID, "wash_cycles_per_year")
    else:
        per_cycle = (
            "sessions_per_wash_cycle_washable_cover" if washable else "sessions_per_wash_cycle"
        )
        cycles = ctx.sessions_at_practice / ctx.default(per_cycle)
        ctx.effective["linge.wash_cycles_per_year"] = cycles.value
    ctx.line(
        ID,
        "lavage",
        "Lavage au cabinet",
        cycles,
        "cycle_lavage",
        unit="cycles",
        scope=3,
        beges="4.1",
    )
    laundry = ctx.answer(ID, "laundry_service_eur", "laundry_service_eur")
    if laundry.value > 0:
        ctx.line(
            ID,
            "blanchisserie",
            "Blanchisserie extérieure",
            laundry,
            "ratio_services_divers",
            unit="€ HT",
            scope=3,
            beges="4.5",
        )
