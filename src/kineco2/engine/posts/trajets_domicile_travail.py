"""Trajets domicile–cabinet (scope 3, BEGES 3.3).

Method: people × round-trip km per day × days worked per year × the mode's factor per km
(per passenger.km for public transport, a possible answer from 2026.1). By default, the
practitioners in proportion of their sessions at the practice (2026.1).
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.lines import Quantity
from kineco2.engine.schema import VEHICLE_LABELS

ID = "trajets_domicile_travail"
LABEL = "Trajets domicile–cabinet"
METHOD = "Personnes × kilomètres aller-retour par jour × jours travaillés × facteur du mode de transport."
PUBLIC_TRANSPORT = frozenset({"bus", "tram_metro", "rer_transilien", "ter"})
FACTORS = frozenset(VEHICLE_LABELS)
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    mode, _ = ctx.choice(ID, "commute_mode", "commute_mode")
    if ctx.is_answered(ID, "people"):
        people = ctx.answer(ID, "people")
    elif "commute_people" in ctx.defaults.defaults:
        # 2026.1: the practitioners, in proportion of their sessions at the practice.
        people = ctx.default("commute_people", field="trajets_domicile_travail.people")
    else:
        people = Quantity(float(ctx.practitioners))
    km = (
        people
        * ctx.answer(ID, "round_trip_km_per_day", "commute_round_trip_km_per_day")
        * ctx.answer(ID, "days_per_year", "commute_days_per_year")
    )
    ctx.line(
        ID,
        "trajets",
        f"Trajets domicile–cabinet – {VEHICLE_LABELS[mode]}",
        km,
        mode,
        unit="passager.km" if mode in PUBLIC_TRANSPORT else "km",
        scope=3,
        beges="3.3",
    )
