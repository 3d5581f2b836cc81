"""Déchets (scope 3, BEGES 4.3): kg per stream × end-of-life factor of the stream.

2026.1: a sorted stream (cardboard and paper, plastic packaging) carries its recycling factor
with the cut-off convention (collection, transport, sorting); the residual bin carries the
average end of life of household waste; DASRI their incineration. Avoided emissions are never
subtracted. The paper couch roll thrown away after each session is counted from the roll
itself (paper end of life), so that removing the roll removes its waste too; the default
residual waste excludes it. The streams and their factors are data (``waste_streams``).
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.posts.consommables import paper_roll_kg

ID = "dechets"
LABEL = "Déchets"
METHOD = "Kg de déchets par filière × facteur de la filière (ADEME) : recyclage pour les déchets triés (collecte, transport et tri ; les émissions évitées ne sont jamais soustraites), fin de vie moyenne pour les ordures ménagères. Le drap d'examen papier jeté est compté d'après les séances."
STREAMS = {  # field -> (2025.1 factor, label)
    "residual_waste_kg": ("dechets_omr", "Ordures ménagères"),
    "cardboard_kg": ("dechets_carton", "Cartons et papiers triés"),
    "plastic_kg": ("dechets_plastique", "Emballages plastiques triés"),
    "dasri_kg": ("dasri", "DASRI (incinération)"),
    "weee_kg": ("deee", "Déchets électriques et électroniques"),
}
FACTORS = frozenset({f for f, _ in STREAMS.values()} | {"recyclage_collecte_tri", "dechets_papier"})
PARAMETERS: frozenset[str] = frozenset()
#: Factors only the 2025.1 method uses (2026.1 sends sorted streams to recycling).
LEGACY_FACTORS = frozenset({"dechets_carton", "dechets_plastique"})


def compute(ctx: Context) -> None:
    streams = ctx.defaults.waste_streams
    for field, (factor, label) in STREAMS.items():
        kg = ctx.answer(ID, field, field)
        if kg.value > 0:
            factor_id = streams.get(field, factor)
            if factor_id == "recyclage_collecte_tri":
                label = f"{label} (recyclage)"
            ctx.line(ID, field, label, kg, factor_id, unit="kg", scope=3, beges="4.3")
    roll_factor = streams.get("paper_roll")
    if roll_factor is None:
        return  # 2025.1: the roll was part of the residual waste default
    roll = paper_roll_kg(ctx)
    if roll is None:
        return
    if ctx.is_answered(ID, "residual_waste_kg"):
        ctx.note(
            "Drap d'examen papier : les ordures ménagères que vous avez pesées le comprennent ; "
            "il n'est pas compté une deuxième fois."
        )
        return
    ctx.line(
        ID,
        "drap_papier",
        "Drap d'examen papier jeté",
        roll,
        roll_factor,
        unit="kg",
        scope=3,
        beges="4.3",
    )
