"""Déplacements des patients (scope 3, BEGES 3.4 « transport des visiteurs et des clients »).

Method: sessions at the practice × round-trip km per session × share of each mode × the
mode's factor per km. Without a patient survey, the km and the car share come from the
zone of the practice (kinéCO2 report, table 15); the trips not made by car split between
walking, cycling, public transport and two-wheelers as in the EMP 2019. A car trip shared
by two patients (car-pooling) counts half for each.
"""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "deplacements_patients"
LABEL = "Déplacements des patients"
METHOD = "Séances au cabinet × distance aller-retour moyenne par séance × part de chaque mode de transport × facteur du mode. Sans enquête auprès de vos patients, la distance et la part de la voiture viennent du type de commune (rapport kinéCO2, tableau 15, d'après l'Enquête Mobilité des Personnes 2019)."
CAR = "voiture_thermique"
NON_CAR = {"marche": "marche", "velo": "velo", "scooter": "scooter"}  # + public transport by zone
PUBLIC_TRANSPORT = ("bus", "tram_metro", "ter")
MODE_LABELS = {
    "voiture": "Patients venus en voiture",
    "marche": "Patients venus à pied",
    "velo": "Patients venus à vélo",
    "scooter": "Patients venus en deux-roues motorisé",
    "transport_commun": "Patients venus en transports en commun",
}
FACTORS = frozenset({CAR, *NON_CAR.values(), *PUBLIC_TRANSPORT})
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    zone = ctx.defaults.patient_zones[ctx.zone]
    sessions = ctx.sessions_at_practice
    if ctx.is_answered(ID, "survey_round_trip_km"):
        km = ctx.answer(ID, "survey_round_trip_km")
    else:
        km = ctx.constant(
            zone["round_trip_km"],
            "Distance des patients selon votre zone",
            ctx.defaults.patient_zone_km_uncertainty_pct,
            f"zone:{ctx.zone}:km",
            field="deplacements_patients.survey_round_trip_km",
        )
        if zone.get("note"):
            ctx.note(zone["note"])
    if ctx.is_answered(ID, "survey_car_percent"):
        car_share = ctx.answer(ID, "survey_car_percent") * 0.01
    else:
        car_share = ctx.constant(
            zone["car_share"],
            "Part des patients en voiture selon votre zone",
            20,
            f"zone:{ctx.zone}:voiture",
            field="deplacements_patients.survey_car_percent",
        )
    carpool = ctx.inputs.deplacements_patients.carpool_percent or 0.0
    occupancy = 1 - carpool / 100 / 2  # a shared car carries two patients: half each

    ctx.line(
        ID,
        "voiture",
        MODE_LABELS["voiture"],
        sessions * km * car_share * occupancy,
        CAR,
        unit="km",
        scope=3,
        beges="3.4",
    )
    for mode, share in non_car_shares(ctx, car_share.value).items():
        factor = zone["public_transport"] if mode == "transport_commun" else NON_CAR[mode]
        ctx.line(
            ID,
            mode,
            MODE_LABELS[mode],
            sessions * km * share,
            factor,
            unit="passager.km" if mode == "transport_commun" else "km",
            scope=3,
            beges="3.4",
        )


def non_car_shares(ctx: Context, car_share: float) -> dict[str, float]:
    """Share of all trips made by each non-car mode.

    Without a survey, the non-car trips split as in the EMP 2019. If the practice knows the
    share of walking and cycling, that share is split between walking and cycling with the
    EMP ratio, and the remaining trips between public transport and two-wheelers likewise.
    """
    split = ctx.defaults.non_car_split
    other = 1 - car_share
    active = ctx.inputs.deplacements_patients.survey_walk_bike_percent
    if active is None:
        return {mode: other * share for mode, share in split.items()}
    active = min(active / 100, other)
    motor = other - active
    active_ref = split["marche"] + split["velo"]
    motor_ref = split["transport_commun"] + split["scooter"]
    return {
        "marche": active * split["marche"] / active_ref,
        "velo": active * split["velo"] / active_ref,
        "transport_commun": motor * split["transport_commun"] / motor_ref,
        "scooter": motor * split["scooter"] / motor_ref,
    }
