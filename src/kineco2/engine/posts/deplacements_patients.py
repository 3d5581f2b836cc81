"""Déplacements des patients (scope 3, BEGES 3.4 « transport des visiteurs et des clients »).

Method (2026.1): sessions at the practice × round-trip km per session BY MODE × the mode's
factor. Without a patient survey, the km by mode come from the zone of the practice (kinéCO2
report, « Tableau 15 »: thermal car, electric car, bus, metro/tram, RER/TER, TGV, two-wheeler,
e-bike; the table has no walking). Each mode keeps its own factor: an electric car is not
costed as a thermal one, the bus factor depends on the size of the agglomeration, the train is
the RER/Transilien in Paris and its inner suburbs and the TER elsewhere.

* If the practice gives its own average distance, every mode is scaled to it.
* If the practice gives its own share of patients coming by car, the car km follow it (split
  between thermal and electric as in the zone) and the other trips split as in the EMP 2019
  (walking, cycling, public transport, two-wheelers), since the zone's own split no longer
  applies.
* A car shared by two patients (car-pooling) counts half for each.
* With a patients' mobility survey (``deplacements_patients.enquete``, issue 10), the km per
  session of each mode are the measured means, each with its own sampling uncertainty
  (:func:`_compute_from_survey`); the zone table and the answers above are not used.

Versions whose zone table has only a total distance and a car share (2025.1) keep the method
they were released with (:func:`_compute_total_and_car_share`).
"""

from __future__ import annotations

from typing import Any

from kineco2.engine.context import OVERSEAS, Context
from kineco2.engine.lines import Driver, Quantity, complement

ID = "deplacements_patients"
LABEL = "Déplacements des patients"
METHOD = "Séances au cabinet × distance aller-retour par séance pour chaque mode de transport × facteur du mode. Sans enquête auprès de vos patients, les distances par mode viennent du type de commune (rapport kinéCO2, tableau 15, d'après l'Enquête Mobilité des Personnes 2019, données de métropole)."

#: Mode of the zone table → factor id (bus and train: the zone says which factor applies).
MODE_FACTORS = {
    "voiture_thermique": "voiture_thermique",
    "voiture_electrique": "voiture_electrique",
    "tram_metro": "tram_metro",
    "tgv": "tgv",
    "deux_roues": "scooter",
    "vae": "vae",
}
CAR_MODES = ("voiture_thermique", "voiture_electrique")
PUBLIC_TRANSPORT_MODES = ("bus", "tram_metro", "train", "tgv")
#: Line item and label of each mode. The thermal car keeps the item « voiture » of 2025.1.
MODE_LINES = {
    "voiture_thermique": ("voiture", "Patients venus en voiture thermique"),
    "voiture_electrique": ("voiture_electrique", "Patients venus en voiture électrique"),
    "bus": ("bus", "Patients venus en bus"),
    "tram_metro": ("tram_metro", "Patients venus en métro ou tramway"),
    "train": ("train", "Patients venus en train (RER, TER)"),
    "tgv": ("tgv", "Patients venus en train grande ligne"),
    "deux_roues": ("scooter", "Patients venus en deux-roues motorisé"),
    "vae": ("vae", "Patients venus à vélo électrique"),
    "marche": ("marche", "Patients venus à pied"),
    "velo": ("velo", "Patients venus à vélo"),
}
PASSENGER_MODES = frozenset({"bus", "tram_metro", "train", "tgv"})
# 2025.1 method.
CAR = "voiture_thermique"
NON_CAR = {"marche": "marche", "velo": "velo", "scooter": "scooter"}
PUBLIC_TRANSPORT = ("bus", "tram_metro", "ter")
MODE_LABELS = {
    "voiture": "Patients venus en voiture",
    "marche": "Patients venus à pied",
    "velo": "Patients venus à vélo",
    "scooter": "Patients venus en deux-roues motorisé",
    "transport_commun": "Patients venus en transports en commun",
}
FACTORS = frozenset(
    {
        *MODE_FACTORS.values(),
        *NON_CAR.values(),
        *PUBLIC_TRANSPORT,
        "bus_petite_agglo",
        "bus_grande_agglo",
        "rer_transilien",
    }
)
PARAMETERS: frozenset[str] = frozenset()
OVERSEAS_NOTE = (
    "Déplacements des patients : les distances par type de commune viennent d'une enquête "
    "menée en métropole (Enquête Mobilité des Personnes 2019) ; en outre-mer elles ne sont "
    "qu'une approximation. Une enquête auprès de vos patients la remplacerait."
)


def zone_total_km(zone: dict[str, Any]) -> float:
    """Round-trip km per session of a zone, all modes (both table formats)."""
    if "km_by_mode" in zone:
        return float(sum(zone["km_by_mode"].values()))
    return float(zone["round_trip_km"])


def zone_car_share(zone: dict[str, Any]) -> float:
    """Share of the zone's km made by car, thermal or electric (both table formats)."""
    if "km_by_mode" in zone:
        modes = zone["km_by_mode"]
        return sum(modes.get(m, 0.0) for m in CAR_MODES) / zone_total_km(zone)
    return float(zone["car_share"])


def compute(ctx: Context) -> None:
    zone = ctx.defaults.patient_zones[ctx.zone]
    survey = ctx.inputs.deplacements_patients.enquete
    if survey is not None:
        _compute_from_survey(ctx, zone, survey)
        return
    if ctx.territory in OVERSEAS:
        ctx.note(OVERSEAS_NOTE)
    if "km_by_mode" not in zone:
        _compute_total_and_car_share(ctx, zone)
        return
    km = _round_trip_km(ctx, zone)
    km_by_mode: dict[str, float] = dict(zone["km_by_mode"])
    total = zone_total_km(zone)
    if ctx.is_answered(ID, "survey_car_percent"):
        shares = _shares_with_own_car_share(ctx, km_by_mode, total)
    else:
        shares = {mode: value / total for mode, value in km_by_mode.items()}
    carpool = ctx.inputs.deplacements_patients.carpool_percent or 0.0
    occupancy = 1 - carpool / 100 / 2  # a shared car carries two patients: half each
    sessions = ctx.sessions_at_practice
    for mode, share in shares.items():
        if (share.value if isinstance(share, Quantity) else share) <= 0:
            continue
        item, label = MODE_LINES[mode]
        quantity = sessions * km * share
        if mode in CAR_MODES:
            quantity = quantity * occupancy
        ctx.line(
            ID,
            item,
            label,
            quantity,
            _factor(zone, mode),
            unit="passager.km" if mode in PASSENGER_MODES else "km",
            scope=3,
            beges="3.4",
        )


def _factor(zone: dict[str, Any], mode: str) -> str:
    if mode == "bus":
        return str(zone["bus"])
    if mode == "train":
        return str(zone["train"])
    if mode in ("marche", "velo"):
        return mode
    return MODE_FACTORS[mode]


def _round_trip_km(ctx: Context, zone: dict[str, Any]) -> Quantity:
    if ctx.is_answered(ID, "survey_round_trip_km"):
        return ctx.answer(ID, "survey_round_trip_km")
    if zone.get("note"):
        ctx.note(zone["note"])
    return ctx.constant(
        zone_total_km(zone),
        "Distance des patients selon votre zone",
        ctx.defaults.patient_zone_km_uncertainty_pct,
        f"zone:{ctx.zone}:km",
        field="deplacements_patients.survey_round_trip_km",
    )


def _shares_with_own_car_share(
    ctx: Context, km_by_mode: dict[str, float], total: float
) -> dict[str, Quantity | float]:
    """Shares of the km by mode when the practice knows its share of patients by car.

    The car share is a share (≤ 100 % in every draw) and the other modes split its
    complement, so they move with it in the Monte Carlo.
    """
    car_share = ctx.share(ID, "survey_car_percent")
    zone_car = sum(km_by_mode.get(m, 0.0) for m in CAR_MODES)
    electric = km_by_mode.get("voiture_electrique", 0.0) / zone_car if zone_car else 0.0
    shares = {
        "voiture_thermique": car_share * (1 - electric),
        "voiture_electrique": car_share * electric,
    }
    other = non_car_shares(ctx, car_share)
    # Public transport: the zone's own public-transport modes, or its bus if it has none.
    zone_pt = {m: km_by_mode.get(m, 0.0) for m in PUBLIC_TRANSPORT_MODES}
    pt_total = sum(zone_pt.values())
    for mode, value in zone_pt.items():
        if pt_total > 0 and value > 0:
            shares[mode] = other["transport_commun"] * value / pt_total
    if pt_total == 0:
        shares["bus"] = other["transport_commun"]
    shares["marche"] = other["marche"]
    shares["velo"] = other["velo"]
    shares["deux_roues"] = other["scooter"]
    return shares


def non_car_shares(ctx: Context, car_share: Quantity | float) -> dict[str, Quantity | float]:
    """Share of all trips made by each non-car mode.

    Without a survey, the non-car trips split as in the EMP 2019. If the practice knows the
    share of walking and cycling, that share is split between walking and cycling with the
    EMP ratio, and the remaining trips between public transport and two-wheelers likewise.
    The trips not made by car are the complement of the car share (drawn with it).
    """
    split = ctx.defaults.non_car_split
    other = complement(car_share)
    active = ctx.inputs.deplacements_patients.survey_walk_bike_percent
    if active is None:
        return {mode: other * share for mode, share in split.items()}
    active = min(active / 100, other.value)
    motor = complement(car_share, active)
    active_ref = split["marche"] + split["velo"]
    motor_ref = split["transport_commun"] + split["scooter"]
    return {
        "marche": active * split["marche"] / active_ref,
        "velo": active * split["velo"] / active_ref,
        "transport_commun": motor * split["transport_commun"] / motor_ref,
        "scooter": motor * split["scooter"] / motor_ref,
    }


def _compute_total_and_car_share(ctx: Context, zone: dict[str, Any]) -> None:
    """The 2025.1 method: total km × car share, the rest split as in the EMP 2019."""
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
        car_share = ctx.share(ID, "survey_car_percent")
    else:
        car_share = ctx.constant(
            zone["car_share"],
            "Part des patients en voiture selon votre zone",
            20,
            f"zone:{ctx.zone}:voiture",
            field="deplacements_patients.survey_car_percent",
            share=True,
        )
    carpool = ctx.inputs.deplacements_patients.carpool_percent or 0.0
    occupancy = 1 - carpool / 100 / 2
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
    for mode, share in non_car_shares(ctx, car_share).items():
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


#: Survey mode (kineco2.engine.survey.ENGINE_MODES) → the modes of this post.
SURVEY_MODES = {
    "voiture": CAR_MODES,
    "bus": ("bus",),
    "tram_metro": ("tram_metro",),
    "train": ("train",),
    "deux_roues": ("deux_roues",),
    "vae": ("vae",),
    "velo": ("velo",),
    "marche": ("marche",),
}


def _survey_factor(zone: dict[str, Any], mode: str) -> str:
    """The factor of a mode, for either zone-table format (2025.1 has no bus/train keys)."""
    if mode == "bus":
        return str(zone.get("bus", "bus"))
    if mode == "train":
        return str(zone.get("train", "ter"))
    return _factor(zone, mode)


def _compute_from_survey(ctx: Context, zone: dict[str, Any], survey: Any) -> None:
    """Patient travel measured by the practice's survey: sessions × measured km per session
    of each mode × the mode's factor. Each mode's mean carries its own sampling uncertainty
    (bootstrap, see ``kineco2.engine.survey``) in place of the zone table's ±50 %. The
    survey does not tell thermal from electric cars: the car km split as in the zone."""
    n = survey.n_reponses
    measured = f"mesuré auprès de {n} patient{'s' if n > 1 else ''}"
    ctx.note(
        f"Déplacements des patients : {measured} par l'enquête mobilité du cabinet ; ces "
        "mesures remplacent les moyennes du type de commune."
    )
    km_by_mode = zone.get("km_by_mode") or {}
    car_km = sum(km_by_mode.get(m, 0.0) for m in CAR_MODES)
    electric = km_by_mode.get("voiture_electrique", 0.0) / car_km if car_km else 0.0
    split = {"voiture_thermique": 1 - electric, "voiture_electrique": electric}
    sessions = ctx.sessions_at_practice
    for survey_mode, km in survey.km_par_seance.items():
        if km <= 0:
            continue
        driver = Driver(
            id=f"enquete:{survey_mode}",
            label=f"Km par séance ({survey_mode.replace('_', ' ')}), {measured}",
            origin="mesure",
            uncertainty_pct=float(survey.incertitude_pct.get(survey_mode, 0.0)),
        )
        per_session = Quantity(km, (driver,))
        for mode in SURVEY_MODES[survey_mode]:
            share = split.get(mode, 1.0)
            if share <= 0:
                continue
            item, label = MODE_LINES[mode]
            ctx.line(
                ID,
                item,
                f"{label} ({measured})",
                sessions * per_session * share,
                _survey_factor(zone, mode),
                unit="passager.km" if mode in PASSENGER_MODES else "km",
                scope=3,
                beges="3.4",
            )
