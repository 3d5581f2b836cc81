"""Déchets (scope 3, BEGES 4.3): kg per stream × end-of-life factor of the stream."""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "dechets"
LABEL = "Déchets"
METHOD = "Kg de déchets par filière × facteur de fin de vie de la filière (ADEME)."
STREAMS = {  # field -> (factor, label)
    "residual_waste_kg": ("dechets_omr", "Ordures ménagères"),
    "cardboard_kg": ("dechets_carton", "Cartons et papiers"),
    "plastic_kg": ("dechets_plastique", "Emballages plastiques"),
    "dasri_kg": ("dasri", "DASRI (incinération)"),
    "weee_kg": ("deee", "Déchets électriques et électroniques"),
}
FACTORS = frozenset(f for f, _ in STREAMS.values())
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    for field, (factor, label) in STREAMS.items():
        kg = ctx.answer(ID, field, field)
        if kg.value > 0:
            ctx.line(ID, field, label, kg, factor, unit="kg", scope=3, beges="4.3")
