"""The reference practice of the catalogue's worked examples.

The same practice as the demo and ``examples/trois-kines-ville-moyenne-gaz.yaml``: three
physiotherapists in Périgueux, 110 m² heated with gas, 12 900 sessions a year. An action that
does not apply to it (no air conditioning, no plane, electric heating only…) is shown on the
first variant below that it applies to, named in the sentence (« … climatisé au R410A »).
"""

from __future__ import annotations

import copy
from typing import Any

REFERENCE_LABEL = "un cabinet de 3 kinés à Périgueux"

REFERENCE_ANSWERS: dict[str, Any] = {
    "profile": {
        "commune": "24000",
        "practitioners": 3,
        "practice_mode": "groupe",
        "reference_year": 2025,
        "sessions_per_year": 12900,
        "home_visit_percent": 8,
        "surface_m2": 110,
    },
    "energie": {
        "data_quality": "mesure",
        "electricity_kwh": 7800,
        "heating_energy": "gaz",
        "heating_kwh": 15600,
    },
    "deplacements_patients": {},
    "visites_domicile": {"round_trip_km_per_visit": 7, "vehicle": "voiture_gazole"},
    "trajets_domicile_travail": {
        "round_trip_km_per_day": 14,
        "days_per_year": 220,
        "commute_mode": "voiture_thermique",
    },
    "deplacements_professionnels": {"train_km": 2400, "car_km": 800},
    "materiel": {
        "electric_tables": 5,
        "treadmills_ergometers": 2,
        "electrotherapy_devices": 2,
        "laptops": 3,
        "desktops": 1,
        "screens": 2,
        "printers": 1,
        "smartphones": 3,
        "small_equipment_eur": 900,
    },
    "consommables": {"medical_supplies_eur": 2100, "gels_oils_eur": 350},
    "linge": {"couch_cover": "papier"},
    "services": {
        "data_quality": "mesure",
        "insurance_bank_accounting_eur": 5600,
        "telecom_eur": 1100,
        "software_eur": 1500,
        "cleaning_maintenance_eur": 2400,
    },
    "dechets": {"residual_waste_kg": 480, "cardboard_kg": 90},
}

#: (words added to the label, answers changed), tried in order after the reference itself.
VARIANTS: tuple[tuple[str, dict[str, dict[str, Any]]], ...] = (
    ("", {}),
    (
        "chauffé par des radiateurs électriques",
        {
            "energie": {
                "heating_energy": "electricite",
                "heating_kwh": None,
                "electricity_kwh": None,
            }
        },
    ),
    (
        "équipé de 2 climatiseurs muraux au R410A",
        {"froid": {"ac_units": 2, "ac_type": "mono_split", "ac_fluid": "r410a"}},
    ),
    (
        "dont les kinés font 1 600 km d'avion par an pour se former",
        {"deplacements_professionnels": {"plane_km": 1600}},
    ),
    ("qui produit 40 kg de DASRI par an", {"dechets": {"dasri_kg": 40}}),
)


def variant_answers(changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    answers = copy.deepcopy(REFERENCE_ANSWERS)
    for section, values in changes.items():
        answers.setdefault(section, {}).update(values)
    return answers


def variant_label(words: str) -> str:
    return f"{REFERENCE_LABEL} {words}".strip()
