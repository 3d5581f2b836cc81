"""Formations et congrès (scope 3, BEGES 3.5).

Method: km per mode × the mode's factor (train: TGV, as training trips are mostly long
distance; car: average thermal car; plane: short/medium haul with contrails, and from 2026.1
long haul for flights over 3 500 km such as overseas ↔ mainland).
"""

from __future__ import annotations

from kineco2.engine.context import OVERSEAS, Context

ID = "deplacements_professionnels"
LABEL = "Formations et congrès"
METHOD = "Kilomètres parcourus pour les formations et congrès, par mode (train, voiture, avion court ou moyen-courrier, avion long-courrier) × facteur du mode."
FACTORS = frozenset({"tgv", "voiture_thermique", "avion_court", "avion_long"})
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    plane_default = (
        "training_plane_km_overseas" if ctx.territory in OVERSEAS else "training_plane_km"
    )
    ctx.line(
        ID,
        "train",
        "Formations en train",
        ctx.answer(ID, "train_km", "training_train_km"),
        "tgv",
        unit="passager.km",
        scope=3,
        beges="3.5",
    )
    ctx.line(
        ID,
        "voiture",
        "Formations en voiture",
        ctx.answer(ID, "car_km", "training_car_km"),
        "voiture_thermique",
        unit="km",
        scope=3,
        beges="3.5",
    )
    ctx.line(
        ID,
        "avion",
        "Formations en avion",
        ctx.answer(ID, "plane_km", plane_default),
        "avion_court",
        unit="passager.km",
        scope=3,
        beges="3.5",
    )
    if "training_longhaul_km" in ctx.defaults.defaults or ctx.is_answered(ID, "plane_longhaul_km"):
        km = ctx.answer(ID, "plane_longhaul_km", "training_longhaul_km")
        if km.value > 0:
            ctx.line(
                ID,
                "avion_long",
                "Formations en avion long-courrier",
                km,
                "avion_long",
                unit="passager.km",
                scope=3,
                beges="3.5",
            )
