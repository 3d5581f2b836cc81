"""Énergie du cabinet (scope 1 for fuels burnt on site, scope 2 for electricity and heat).

Method (docs/methodology.md, « Énergie »):
* electricity: kWh on the bills × the territory's « mix moyen consommation » (location-based;
  a green-electricity contract is shown beside the result, never subtracted);
* without bills: surface × 71 kWh/m² of specific electricity (ADEME/CEREN, santé), plus,
  for electric heating, surface × 128 kWh/m² (÷ COP for a heat pump);
* heating fuels: kWh on the bills (gas bills are in kWh PCS) × the fuel's factor, or
  litres of fuel oil × 3.25 kg/L, or surface × 128 kWh/m² × the fuel's factor per kWh PCI;
* bills of a shared building are multiplied by the practice's share;
* without bills, hot water, a balneotherapy pool and a cryotherapy device are estimated apart
  (2026.1); « pas de chauffage » is a possible answer, and the default in the tropical
  territories (no heating need on the coasts, no gas grid).
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.lines import Quantity
from kineco2.engine.schema import HEATING_LABELS, field_title

ID = "energie"
LABEL = "Énergie du cabinet"
METHOD = "Électricité : kWh de vos factures × facteur du mix moyen de consommation de votre territoire (ADEME). Sans facture : surface × 71 kWh/m² (ratio ADEME/CEREN des locaux de santé), plus le chauffage électrique estimé à 128 kWh/m². Chauffage au gaz, fioul, bois ou réseau de chaleur : kWh de vos factures (le gaz est facturé en kWh PCS) ou, à défaut, surface × 128 kWh/m², × le facteur de l'énergie. Sans factures, l'eau chaude, un bassin de balnéothérapie et un appareil de cryothérapie sont estimés à part. En outre-mer tropical, pas de chauffage par défaut et une électricité qui comprend la climatisation. Un contrat d'électricité « verte » ne réduit pas le bilan (méthode BEGES)."

ELECTRICITY_BY_TERRITORY = {
    "france_continentale": "elec_fr_mix_moyen",
    "corse": "elec_corse",
    "guadeloupe": "elec_guadeloupe",
    "martinique": "elec_martinique",
    "guyane": "elec_guyane",
    "la_reunion": "elec_reunion",
    "mayotte": "elec_mayotte",
    "saint_pierre_et_miquelon": "elec_spm",
    "saint_barthelemy": "elec_saint_barthelemy",
    "saint_martin": "elec_saint_martin",
}
#: Heating fuel -> (factor for kWh read on a bill, factor for an estimated kWh PCI, scope, BEGES).
FUELS = {
    "gaz": ("gaz_naturel_pcs", "gaz_naturel_pci", 1, "1.1"),
    "fioul": ("fioul_kwh", "fioul_kwh", 1, "1.1"),
    "propane": ("propane_kwh", "propane_kwh", 1, "1.1"),
    "bois_buches": ("bois_buches_poele", "bois_buches_poele", 1, "1.1"),
    "granules": ("granules_chaudiere", "granules_chaudiere", 1, "1.1"),
    "reseau_chaleur": ("reseau_chaleur_moyen", "reseau_chaleur_moyen", 2, "2.2"),
}
ELECTRIC_HEATING = ("electricite", "pompe_a_chaleur")
FACTORS = frozenset(
    set(ELECTRICITY_BY_TERRITORY.values())
    | {f for bill, estimate, _, _ in FUELS.values() for f in (bill, estimate)}
    | {"fioul_litre"}
)
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    answers = ctx.inputs.energie
    electricity = ELECTRICITY_BY_TERRITORY[ctx.territory]
    heating, defaulted = ctx.choice(ID, "heating_energy", "heating_energy")
    share = ctx.share(ID, "bill_share_percent", "bill_share_percent")  # ≤ 100 % in every draw

    # Electricity: the bills, or the surface × the santé intensity.
    if answers.electricity_kwh is not None:
        ctx.line(
            ID,
            "electricite",
            "Électricité (factures)",
            ctx.answer(ID, "electricity_kwh") * share,
            electricity,
            unit="kWh",
            scope=2,
            beges="2.1",
        )
    else:
        ctx.line(
            ID,
            "electricite",
            "Électricité, usages spécifiques (estimée d'après la surface)",
            ctx.default("electricity_kwh_per_m2", field="energie.electricity_kwh"),
            electricity,
            unit="kWh",
            scope=2,
            beges="2.1",
        )

    # Heating: the energy answered (or the territory's fixed default), or, unknown, each
    # energy weighted by its national share and drawn as a mixture (decision 0006).
    shares = ctx.defaults.categorical_shares.get("heating_energy") if defaulted else None
    if not shares:
        _heating(ctx, heating, share, electricity)
        _hot_water_pool_cryotherapy(ctx, heating, electricity)
    else:
        weights = ctx.mixture(
            f"{ID}.heating_energy", shares["shares"], field_title((ID, "heating_energy"))
        )
        # Hot water depends on the heating energy only through a gas bill that includes it.
        billed = answers.heating_kwh is not None
        for option, weight in weights.items():
            view = ctx.option(weight, HEATING_LABELS[option])
            _heating(view, option, share, electricity)
            _hot_water_pool_cryotherapy(
                view, option, electricity, hot_water=billed, cryotherapy=False
            )
        _hot_water_pool_cryotherapy(ctx, None, electricity, hot_water=not billed, pool=False)
        ctx.note(
            "Énergie de chauffage inconnue : le chauffage combine les énergies selon leurs parts "
            "estimées parmi les cabinets ; indiquer la vôtre préciserait le bilan."
        )

    if ctx.territory == "guyane":
        ctx.note(
            "Guyane : le facteur d'émission de l'électricité est très incertain (les sources "
            "publiées vont de 0,35 à 2,56 kgCO2e/kWh selon que le méthane du barrage de "
            "Petit-Saut est compté) ; l'intervalle de votre résultat en tient compte."
        )
    if answers.green_electricity_contract:
        ctx.note(
            "Contrat d'électricité « verte » : selon la méthode (BEGES, ADEME), il ne réduit "
            "pas les émissions comptées ; il est mentionné à part."
        )


def _heating(ctx: Context, heating: str, share: Quantity, electricity: str) -> None:
    """The heating lines of one energy (``ctx`` may be one option of a mixture)."""
    answers = ctx.inputs.energie
    if answers.electricity_kwh is not None:
        if heating in ELECTRIC_HEATING and answers.heating_kwh is not None:
            ctx.note(
                "Chauffage électrique : il est compris dans les kWh d'électricité des "
                "factures ; la consommation de chauffage saisie n'est pas ajoutée."
            )
    elif heating in ELECTRIC_HEATING:
        if answers.heating_kwh is not None:
            need = ctx.answer(ID, "heating_kwh") * share
        else:
            need = ctx.default("heating_kwh_per_m2", field="energie.heating_kwh")
            if heating == "pompe_a_chaleur":
                need = need / ctx.default("heat_pump_cop")
        ctx.line(
            ID,
            "chauffage_electrique",
            "Chauffage électrique (estimé)",
            need,
            electricity,
            unit="kWh",
            scope=2,
            beges="2.1",
        )

    # Heating fuels.
    if heating in FUELS:
        bill_factor, estimate_factor, scope, beges = FUELS[heating]
        if answers.heating_kwh is not None:
            unit = "kWh PCS" if heating == "gaz" else "kWh"
            ctx.line(
                ID,
                "chauffage",
                "Chauffage (factures)",
                ctx.answer(ID, "heating_kwh") * share,
                bill_factor,
                unit=unit,
                scope=scope,
                beges=beges,
            )
        elif heating == "fioul" and answers.fuel_oil_litres is not None:
            ctx.line(
                ID,
                "chauffage",
                "Chauffage au fioul (litres livrés)",
                ctx.answer(ID, "fuel_oil_litres") * share,
                "fioul_litre",
                unit="L",
                scope=1,
                beges="1.1",
            )
        else:
            need = ctx.default("heating_kwh_per_m2", field="energie.heating_kwh")
            ctx.line(
                ID,
                "chauffage",
                "Chauffage (estimé d'après la surface)",
                need,
                estimate_factor,
                unit="kWh PCI" if heating != "reseau_chaleur" else "kWh",
                scope=scope,
                beges=beges,
            )


def _hot_water_pool_cryotherapy(
    ctx: Context,
    heating: str | None,
    electricity: str,
    *,
    hot_water: bool = True,
    pool: bool = True,
    cryotherapy: bool = True,
) -> None:
    """Uses that the surface ratios do not cover, estimated only when the bills are unknown.

    Hot water (the CEREN « électricité spécifique » ratio excludes it), a heated balneotherapy
    pool and an electric cryotherapy device: each is already in the bills of its energy when
    they are given, so it is added only to an estimate. Versions without these defaults
    (2025.1) do not estimate them.
    """
    answers = ctx.inputs.energie
    known = ctx.defaults.defaults
    if hot_water and (answers.hot_water is not None or "hot_water" in known):
        hot_water, _ = ctx.choice(ID, "hot_water", "hot_water")
        need_field = "energie.hot_water"
        if hot_water == "electrique" and answers.electricity_kwh is None:
            ctx.line(
                ID,
                "eau_chaude",
                "Eau chaude sanitaire, électrique (estimée)",
                ctx.default("hot_water_kwh_per_practitioner", field=need_field),
                electricity,
                unit="kWh",
                scope=2,
                beges="2.1",
            )
        elif hot_water == "gaz" and not (heating == "gaz" and answers.heating_kwh is not None):
            ctx.line(
                ID,
                "eau_chaude",
                "Eau chaude sanitaire, gaz (estimée)",
                ctx.default("hot_water_kwh_per_practitioner", field=need_field),
                "gaz_naturel_pci",
                unit="kWh PCI",
                scope=1,
                beges="1.1",
            )
    if pool and answers.balneo_pool and "pool_kwh_per_year" in known:
        fuel = heating if heating in FUELS else None
        billed = answers.heating_kwh is not None if fuel else answers.electricity_kwh is not None
        if billed:
            ctx.note("Bassin de balnéothérapie : son chauffage est compris dans vos factures.")
        else:
            factor, scope, beges, unit = (
                (FUELS[fuel][1], FUELS[fuel][2], FUELS[fuel][3], "kWh PCI")
                if fuel
                else (electricity, 2, "2.1", "kWh")
            )
            ctx.line(
                ID,
                "bassin",
                "Chauffage du bassin de balnéothérapie (estimé)",
                ctx.default("pool_kwh_per_year", field="energie.balneo_pool"),
                factor,
                unit=unit if fuel != "reseau_chaleur" else "kWh",
                scope=scope,
                beges=beges,
            )
    if cryotherapy and answers.cryotherapy and "cryotherapy_kwh_per_year" in known:
        if answers.electricity_kwh is not None:
            ctx.note("Cryothérapie : la consommation de l'appareil est comprise dans vos factures.")
        else:
            ctx.line(
                ID,
                "cryotherapie",
                "Appareil de cryothérapie (estimé)",
                ctx.default("cryotherapy_kwh_per_year", field="energie.cryotherapy"),
                electricity,
                unit="kWh",
                scope=2,
                beges="2.1",
            )
