"""Fluides frigorigènes (scope 1, fugitive emissions).

Method: per appliance, charge (kg) × annual leak rate × GWP (AR6), plus the end-of-life
leak (charge × end-of-life rate) spread over the appliance's lifetime. Hypotheses of the
AFCE 2025 report (charge, leak rates, lifetime) by type of appliance.
"""

from __future__ import annotations

from kineco2.engine.context import TROPICAL_OVERSEAS, Context
from kineco2.engine.schema import COOLING_TYPE_LABELS, REFRIGERANT_LABELS

ID = "froid"
LABEL = "Fluides frigorigènes"
METHOD = "Pour chaque appareil : charge de fluide (kg) × taux de fuite annuel × pouvoir de réchauffement global du fluide (GIEC AR6), plus la fuite en fin de vie répartie sur la durée de vie de l'appareil (hypothèses AFCE 2025)."
GWP = {"r32": "r32", "r410a": "r410a", "r134a": "r134a", "r407c": "r407c"}
FACTORS = frozenset(GWP.values())
PARAMETERS = frozenset(
    {"fuite_split_annuelle", "fuite_fin_de_vie_split", "fuite_pac_air_eau_annuelle"}
)


def compute(ctx: Context) -> None:
    default_units = (
        "ac_units_per_practitioner_overseas"
        if ctx.territory in TROPICAL_OVERSEAS
        else "ac_units_mainland"
    )
    units = ctx.answer(ID, "ac_units", default_units)
    if units.value <= 0:
        return
    kind, _ = ctx.choice(ID, "ac_type", "ac_type")
    fluid, _ = ctx.choice(ID, "ac_fluid", "ac_fluid")
    spec = ctx.defaults.cooling_types[kind]
    if ctx.is_answered(ID, "ac_charge_kg"):
        charge = ctx.answer(ID, "ac_charge_kg")
    else:
        charge = ctx.constant(
            spec["charge_kg"],
            "Charge de fluide par appareil (AFCE)",
            30,
            f"afce:charge:{kind}",
            field="froid.ac_charge_kg",
        )
    if "annual_leak_factor" in spec:
        annual_rate = ctx.parameter(spec["annual_leak_factor"])
    else:
        annual_rate = ctx.constant(
            spec["annual_leak_pct"] / 100, "Taux de fuite annuel (AFCE)", 30, f"afce:fuite:{kind}"
        )
    if "end_of_life_factor" in spec:
        end_rate = ctx.parameter(spec["end_of_life_factor"])
    else:
        end_rate = ctx.constant(
            spec["end_of_life_leak_pct"] / 100,
            "Fuite en fin de vie (AFCE)",
            30,
            f"afce:fin_de_vie:{kind}",
        )
    label = f"{COOLING_TYPE_LABELS[kind]}, {REFRIGERANT_LABELS[fluid]}"
    ctx.line(
        ID,
        "fuites_annuelles",
        f"Fuites annuelles – {label}",
        units * charge * annual_rate,
        GWP[fluid],
        unit="kg de fluide",
        scope=1,
        beges="1.4",
    )
    ctx.line(
        ID,
        "fin_de_vie",
        f"Fuite en fin de vie, répartie sur {spec['lifetime_years']} ans – {label}",
        units * charge * end_rate / spec["lifetime_years"],
        GWP[fluid],
        unit="kg de fluide",
        scope=1,
        beges="1.4",
    )
