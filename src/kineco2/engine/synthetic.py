"""Realistic synthetic assessments, for benchmarks, demonstrations and statistical tests.

:func:`generate` returns answer dicts that :func:`kineco2.engine.parse_input` accepts, built
from the existing schema fields only. They imitate what physiotherapists actually answer:

* the commune is drawn among all French communes (:func:`geography.all_communes`), weighted by
  population, so every region and every overseas territory appears, overseas at its share of
  the population (about 3 %). The code written is the INSEE code, or, when it is also
  another commune's postal code (ambiguous for :func:`geography.lookup`), the commune's
  :func:`geography.designation` (a postal code that designates it, or ``"INSEE <code>"``);
* 1 to 8 physiotherapists (mostly 1 to 3), about 4 280 sessions a year each (± 25 %, one
  standard deviation, log-normal), about 10 % of home visits, about 35 m² each;
* each practice has its own diligence: on average half of the optional questions are
  answered, the other half left to « je ne sais pas » (absent), the express questions more
  often than the others;
* heating energy in mainland France: gas 45 %, electric radiators 25 %, heat pump 10 %,
  fuel oil 8 %, then district heating, propane, pellets, logs, none; Corsica has no gas
  network; overseas practices are seldom heated but usually air-conditioned.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same ``(n, seed)`` gives
the same list. These are plausible orders of magnitude, not statistics of the profession.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from kineco2.engine import geography

__all__ = ["generate"]

SESSIONS_PER_PRACTITIONER = 4280
SESSIONS_SPREAD = 0.25  # log-normal σ ≈ relative standard deviation
SURFACE_PER_PRACTITIONER = 35.0

PRACTITIONERS = (1, 2, 3, 4, 5, 6, 7, 8)
PRACTITIONERS_P = (0.38, 0.25, 0.15, 0.08, 0.05, 0.04, 0.03, 0.02)

HEATING_MAINLAND = {
    "gaz": 0.45,
    "electricite": 0.25,
    "pompe_a_chaleur": 0.10,
    "fioul": 0.08,
    "reseau_chaleur": 0.04,
    "propane": 0.02,
    "granules": 0.02,
    "bois_buches": 0.01,
    "aucun": 0.03,
}
HEATING_CORSICA = {
    "electricite": 0.45,
    "pompe_a_chaleur": 0.20,
    "fioul": 0.15,
    "propane": 0.10,
    "granules": 0.05,
    "bois_buches": 0.05,
}
HEATING_OVERSEAS = {"aucun": 0.85, "electricite": 0.10, "pompe_a_chaleur": 0.05}
FUEL_HEATING = ("gaz", "fioul", "reseau_chaleur", "propane", "granules", "bois_buches")

VEHICLES = {
    "voiture_thermique": 0.20,
    "voiture_essence": 0.30,
    "voiture_gazole": 0.25,
    "voiture_hybride": 0.10,
    "voiture_electrique": 0.07,
    "scooter": 0.03,
    "vae": 0.03,
    "velo": 0.01,
    "marche": 0.01,
}
VEHICLES_PARIS = {
    "scooter": 0.30,
    "vae": 0.20,
    "velo": 0.20,
    "marche": 0.15,
    "voiture_electrique": 0.10,
    "voiture_essence": 0.05,
}
COMMUTE = {
    "voiture_thermique": 0.20,
    "voiture_essence": 0.28,
    "voiture_gazole": 0.20,
    "voiture_hybride": 0.08,
    "voiture_electrique": 0.07,
    "scooter": 0.03,
    "moto": 0.02,
    "vae": 0.05,
    "velo": 0.04,
    "marche": 0.03,
}
AC_TYPES = {"mono_split": 0.70, "multi_split": 0.15, "mobile": 0.10, "pac_air_eau": 0.05}
AC_FLUIDS = {"r32": 0.50, "r410a": 0.45, "r134a": 0.03, "r407c": 0.02}
COUCH_COVERS = {"papier": 0.65, "drap_lavable": 0.30, "aucun": 0.05}
BUILDING_TYPES = {"sante": 0.75, "bureau": 0.25}


@cache
def _communes() -> tuple[tuple[geography.Commune, ...], np.ndarray]:
    communes = geography.all_communes()
    weights = np.array([c.population or 0 for c in communes], dtype=float)
    return communes, weights / weights.sum()


@cache
def _code(code_insee: str) -> str:
    """A code that :func:`geography.locate` reads as this commune (see the module docstring)."""
    commune = geography.commune_by_insee(code_insee)
    try:
        if geography.locate(code_insee).code_insee == code_insee:
            return code_insee
    except geography.AmbiguousCommuneError:
        pass
    return geography.designation(commune)


class _Practice:
    """The random draws of one practice: ``rng`` plus its diligence (share answered)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.diligence = float(rng.beta(5, 5))  # mean 0.5

    def asks(self, express: bool = False) -> bool:
        """Whether this question is answered (express questions more often)."""
        p = self.diligence + 0.25 if express else self.diligence
        return bool(self.rng.random() < p)

    def pick(self, shares: dict[str, float]) -> str:
        keys = list(shares)
        p = np.array([shares[k] for k in keys])
        return keys[int(self.rng.choice(len(keys), p=p / p.sum()))]

    def around(self, median: float, sigma: float, low: float, high: float, digits: int = 0):
        """A log-normal value around ``median``, clipped and rounded (int if digits == 0)."""
        value = float(np.clip(median * self.rng.lognormal(0.0, sigma), low, high))
        return round(value) if digits == 0 else round(value, digits)

    def maybe_zero(self, p_zero: float, median: float, sigma: float, high: float) -> int:
        return 0 if self.rng.random() < p_zero else self.around(median, sigma, 1, high)


def _section(practice: _Practice, answers: dict[str, Any]) -> dict[str, Any] | None:
    """Keep the answered fields; say where one in three answered sections comes from."""
    answers = {k: v for k, v in answers.items() if v is not None}
    if not answers:
        return None
    if practice.rng.random() < 0.35:
        answers["data_quality"] = "mesure"
    return answers


def _assessment(practice: _Practice, commune: geography.Commune) -> dict[str, Any]:
    rng, asks = practice.rng, practice.asks
    overseas = commune.territory not in ("france_continentale", "corse")
    paris = commune.departement == "75"
    n = int(rng.choice(PRACTITIONERS, p=PRACTITIONERS_P))
    if n == 1:
        mode = "msp" if rng.random() < 0.05 else "seul"
    else:
        mode = practice.pick({"groupe": 0.70, "msp": 0.22, "centre_sante": 0.08})
    sessions = practice.around(SESSIONS_PER_PRACTITIONER * n, SESSIONS_SPREAD, 500 * n, 9000 * n)
    rural = (commune.population or 0) < 2000
    home_share = float(rng.beta(1.5, 12)) * (1.6 if rural else 1.0)
    home_percent = round(min(home_share * 100, 80.0))
    surface = practice.around(SURFACE_PER_PRACTITIONER * n, 0.3, 12, 2000)
    shared_bills = mode in ("msp", "centre_sante")
    bill_share = practice.around(40, 0.4, 10, 100) if shared_bills else 100

    profile: dict[str, Any] = {
        "commune": _code(commune.code_insee),
        "practitioners": n,
        "practice_mode": mode,
        "reference_year": int(rng.choice([2023, 2024, 2025], p=[0.2, 0.3, 0.5])),
    }
    if asks(express=True):
        profile["sessions_per_year"] = sessions
    if asks(express=True):
        profile["home_visit_percent"] = home_percent
    if asks():
        profile["telehealth_percent"] = 0 if rng.random() < 0.8 else practice.around(2, 0.6, 1, 10)
    if asks(express=True):
        profile["surface_m2"] = surface
    data: dict[str, Any] = {"profile": profile}

    # Énergie.
    heating = practice.pick(
        HEATING_OVERSEAS
        if overseas
        else HEATING_CORSICA
        if commune.territory == "corse"
        else HEATING_MAINLAND
    )
    specific = surface * 71 * (1.5 if overseas else 1.0) * rng.lognormal(0, 0.4)
    electric_heat = 0.0
    if heating in ("electricite", "pompe_a_chaleur"):
        electric_heat = surface * 128 * rng.lognormal(0, 0.4) * (0.3 if overseas else 1.0)
        electric_heat /= 3 if heating == "pompe_a_chaleur" else 1
    heating_kwh = surface * 128 * rng.lognormal(0, 0.4) * (1.11 if heating == "gaz" else 1.0)
    electricity = (specific + electric_heat) / (bill_share / 100)
    fuel_answered = heating in FUEL_HEATING and asks(express=True)
    litres = heating == "fioul" and not fuel_answered and asks()
    energie = {
        "electricity_kwh": round(min(electricity, 500_000), -1) if asks(express=True) else None,
        "heating_energy": heating if asks(express=True) else None,
        "heating_kwh": round(min(heating_kwh / (bill_share / 100), 500_000), -1)
        if fuel_answered
        else None,
        "fuel_oil_litres": round(heating_kwh / 10, -1) if litres else None,
        "bill_share_percent": bill_share if shared_bills and asks() else None,
        "green_electricity_contract": bool(rng.random() < 0.2) if asks() else None,
    }

    # Froid.
    if overseas:
        units = int(rng.poisson(n)) if rng.random() < 0.9 else 0
        units = max(units, 1) if units or rng.random() < 0.5 else 0
    else:
        units = int(rng.integers(1, 3)) if rng.random() < 0.15 else 0
    froid: dict[str, Any] = {"ac_units": min(units, 100) if asks(express=True) else None}
    if units:
        froid["ac_type"] = practice.pick(AC_TYPES) if asks() else None
        froid["ac_fluid"] = practice.pick(AC_FLUIDS) if asks() else None
        froid["ac_charge_kg"] = practice.around(1.2, 0.4, 0.3, 10, 1) if asks() and asks() else None

    # Déplacements des patients.
    car = practice.around(25 if paris else 85, 0.3 if paris else 0.1, 0, 100)
    walk_bike = int(rng.integers(0, 100 - car + 1)) if car < 100 else 0
    deplacements_patients = {
        "survey_round_trip_km": practice.around(8, 0.5, 0.5, 300, 1) if asks() and asks() else None,
        "survey_car_percent": car if asks(express=True) else None,
        "survey_walk_bike_percent": walk_bike if asks() else None,
        "carpool_percent": practice.around(10, 0.6, 0, 60) if asks() else None,
    }

    # Visites à domicile.
    visites_domicile = {
        "round_trip_km_per_visit": practice.around(9 if rural else 5, 0.5, 0.5, 300, 1)
        if asks(express=True)
        else None,
        "total_km_per_year": practice.around(
            sessions * home_percent / 100 * 6, 0.4, 0, 2_000_000, 0
        )
        if asks() and asks()
        else None,
        "vehicle": practice.pick(VEHICLES_PARIS if paris else VEHICLES)
        if asks(express=True)
        else None,
    }

    trajets = {
        "round_trip_km_per_day": practice.around(12, 0.7, 0, 500, 1)
        if asks(express=True)
        else None,
        "days_per_year": int(rng.integers(180, 251)) if asks() else None,
        "commute_mode": practice.pick(COMMUTE) if asks(express=True) else None,
        "people": n + int(rng.random() < 0.3 * (n > 1)) if asks() else None,
    }

    far = 18_000 if overseas else 1_600
    deplacements_professionnels = {
        "train_km": practice.maybe_zero(0.5 if overseas else 0.2, 700 * n**0.7, 0.8, 50_000)
        if asks()
        else None,
        "car_km": practice.maybe_zero(0.5, 500, 0.8, 50_000) if asks() else None,
        "plane_km": practice.maybe_zero(0.4 if overseas else 0.85, far, 0.3, 200_000)
        if asks()
        else None,
    }

    desktops = int(rng.poisson(0.5 + 0.3 * n))
    materiel = {
        "electric_tables": n + int(rng.binomial(n, 0.5)) if asks(express=True) else None,
        "treadmills_ergometers": int(rng.poisson(0.5 * n)) if asks() else None,
        "electrotherapy_devices": int(rng.poisson(0.5 * n)) if asks() else None,
        "shockwave_devices": int(rng.random() < 0.2) if asks() else None,
        "laptops": int(rng.poisson(0.8 * n)) if asks(express=True) else None,
        "desktops": desktops if asks() else None,
        "screens": desktops + int(rng.poisson(0.3)) if asks() else None,
        "printers": 1 + int(rng.random() < 0.2 * n) if asks() else None,
        "smartphones": max(1, int(rng.poisson(0.9 * n))) if asks() else None,
        "tablets": int(rng.poisson(0.3)) if asks() else None,
        "internet_boxes": 1 + int(rng.random() < 0.05 * n) if asks() else None,
        "heavy_equipment_eur": practice.maybe_zero(0.7, 3000, 0.8, 100_000) if asks() else None,
        "small_equipment_eur": practice.around(300 * n, 0.6, 0, 100_000) if asks() else None,
        "furniture_eur": practice.maybe_zero(0.4, 300 * n, 0.8, 100_000) if asks() else None,
        "lifetime_years": int(rng.integers(5, 13)) if asks() else None,
        "refurbished_percent": practice.maybe_zero(0.8, 30, 0.6, 100) if asks() else None,
    }

    cover = practice.pick(COUCH_COVERS)
    consommables = {
        "paper_roll_m_per_session": practice.around(1, 0.3, 0.2, 10, 1)
        if cover == "papier" and asks()
        else None,
        "medical_supplies_eur": practice.around(600 * n, 0.6, 0, 200_000)
        if asks(express=True)
        else None,
        "gels_oils_eur": practice.around(100 * n, 0.6, 0, 50_000) if asks() else None,
        "office_paper_reams": practice.around(10 * n**0.7, 0.5, 0, 10_000) if asks() else None,
    }
    per_cycle = 25 if cover == "drap_lavable" else 100
    linge = {
        "couch_cover": cover if asks(express=True) else None,
        "textile_kg_per_year": practice.around(3 if cover == "papier" else 8, 0.5, 0, 5_000, 1)
        if asks()
        else None,
        "wash_cycles_per_year": practice.around(sessions / per_cycle, 0.4, 0, 20_000)
        if asks()
        else None,
        "laundry_service_eur": practice.maybe_zero(0.9, 800 * n, 0.5, 100_000) if asks() else None,
    }
    services = {
        "insurance_bank_accounting_eur": practice.around(1800 * n**0.8, 0.4, 0, 500_000)
        if asks(express=True)
        else None,
        "telecom_eur": practice.around(400 * n**0.5, 0.4, 0, 100_000) if asks() else None,
        "software_eur": practice.around(500 * n**0.7, 0.5, 0, 100_000) if asks() else None,
        "cleaning_maintenance_eur": practice.maybe_zero(0.4, 800 * n, 0.6, 200_000)
        if asks()
        else None,
        "repairs_eur": practice.maybe_zero(0.6, 300, 0.8, 100_000) if asks() else None,
    }
    batiment = {
        "building_type": practice.pick(BUILDING_TYPES) if asks() else None,
        "building_age_years": practice.around(30, 0.8, 0, 300) if asks() else None,
    }
    dechets = {
        "residual_waste_kg": practice.around(170 * n, 0.5, 0, 100_000) if asks() else None,
        "cardboard_kg": practice.around(30 * n, 0.6, 0, 100_000) if asks() else None,
        "plastic_kg": practice.maybe_zero(0.5, 10 * n, 0.6, 100_000) if asks() else None,
        "dasri_kg": practice.maybe_zero(0.7, 2, 0.6, 10_000) if asks() else None,
        "weee_kg": practice.maybe_zero(0.8, 5, 0.6, 10_000) if asks() else None,
    }
    numerique = {
        "emails_per_year": practice.around(5000 * n**0.7, 0.6, 0, 10_000_000) if asks() else None,
        "video_hours_per_year": practice.around(10, 1.0, 0, 100_000) if asks() else None,
        "cloud_gb": practice.around(50, 1.0, 0, 10_000_000) if asks() else None,
    }

    sections = {
        "energie": energie,
        "froid": froid,
        "deplacements_patients": deplacements_patients,
        "visites_domicile": visites_domicile,
        "trajets_domicile_travail": trajets,
        "deplacements_professionnels": deplacements_professionnels,
        "materiel": materiel,
        "consommables": consommables,
        "linge": linge,
        "services": services,
        "batiment": batiment,
        "dechets": dechets,
        "numerique": numerique,
    }
    for name, answers in sections.items():
        section = _section(practice, answers)
        if section is not None:
            data[name] = section
    return data


def generate(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` realistic answer dicts for :func:`kineco2.engine.parse_input` (reproducible)."""
    if n < 0:
        raise ValueError(f"n doit être positif ou nul (valeur reçue : {n}).")
    rng = np.random.default_rng(seed)
    communes, p = _communes()
    picks = rng.choice(len(communes), size=n, p=p)
    return [_assessment(_Practice(rng), communes[int(i)]) for i in picks]
