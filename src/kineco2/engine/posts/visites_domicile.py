"""Visites à domicile (the practitioner's vehicle: scope 1, BEGES 1.2).

Method: km of rounds in the year (or sessions at home × round-trip km per visit) × the
vehicle's factor per km (full life cycle: fuel and manufacturing, ADEME).
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.schema import HOME_VISIT_VEHICLE_LABELS

ID = "visites_domicile"
LABEL = "Visites à domicile"
METHOD = "Kilomètres de tournées (ou séances à domicile × distance aller-retour par visite) × facteur du véhicule (cycle de vie complet : carburant et fabrication)."
FACTORS = frozenset(HOME_VISIT_VEHICLE_LABELS)
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    vehicle, _ = ctx.choice(ID, "vehicle", "home_visit_vehicle")
    if ctx.is_answered(ID, "total_km_per_year"):
        km = ctx.answer(ID, "total_km_per_year")
    else:
        if ctx.sessions_at_home.value <= 0:
            return
        km = ctx.sessions_at_home * ctx.answer(
            ID, "round_trip_km_per_visit", "home_visit_round_trip_km"
        )
    ctx.line(
        ID,
        "tournees",
        f"Tournées – {HOME_VISIT_VEHICLE_LABELS[vehicle]}",
        km,
        vehicle,
        unit="km",
        scope=1,
        beges="1.2",
    )
