"""Matériel et équipements (scope 3, BEGES 4.2 « immobilisations »).

Method: manufacturing footprint amortised over the lifetime (5 years by the kinéCO2
convention, or the practice's real lifetime):
* per unit for IT (ADEME-Arcep 2022): count ÷ lifetime × kg CO2e per unit, reduced for the
  refurbished share;
* by mass for heavy machines (electric tables, treadmills): count × mass ÷ lifetime ×
  5.5 kg CO2e/kg (Base Carbone « machines », a proxy);
* by price for electromedical devices: count × price ÷ lifetime × the monetary ratio;
* average yearly purchases (€ HT) of heavy equipment, small equipment and furniture ×
  their monetary ratio (already a yearly figure: no amortisation).
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.lines import complement

ID = "materiel"
LABEL = "Matériel et équipements"
METHOD = "Fabrication du matériel amortie sur sa durée de conservation (5 ans par convention kinéCO2) : par appareil pour l'informatique, par kg pour les tables et machines (proxy « machines »), par prix pour les appareils d'électrothérapie ; achats annuels de petit matériel et de mobilier × ratio monétaire ADEME."
IT_DEVICES = {  # field -> (factor, label)
    "laptops": ("ordinateur_portable", "Ordinateurs portables"),
    "desktops": ("ordinateur_fixe", "Ordinateurs fixes"),
    "screens": ("ecran", "Écrans"),
    "printers": ("imprimante_laser", "Imprimantes"),
    "smartphones": ("smartphone", "Smartphones"),
    "tablets": ("tablette", "Tablettes"),
    "internet_boxes": ("box_internet", "Box internet"),
}
HEAVY_BY_MASS = {  # field -> (mass default, label)
    "electric_tables": ("table_mass_kg", "Tables de soins électriques"),
    "treadmills_ergometers": ("treadmill_mass_kg", "Tapis et ergomètres"),
}
BY_PRICE = {  # field -> (price default, label)
    "electrotherapy_devices": ("electrotherapy_price_eur", "Appareils d'électrothérapie"),
    "shockwave_devices": ("shockwave_price_eur", "Appareils d'ondes de choc"),
}
PURCHASES = {  # field -> (factor, label)
    "heavy_equipment_eur": ("ratio_gros_materiel_kineco2", "Gros matériel de rééducation"),
    "small_equipment_eur": ("ratio_materiel_medical", "Petit matériel"),
    "furniture_eur": ("ratio_mobilier", "Mobilier"),
}
FACTORS = frozenset(
    {f for f, _ in IT_DEVICES.values()}
    | {f for f, _ in PURCHASES.values()}
    | {"machines_kg", "ratio_electromedical"}
)
PARAMETERS = frozenset({"duree_amortissement_materiel"})


def compute(ctx: Context) -> None:
    lifetime = ctx.answer(ID, "lifetime_years", "duree_amortissement_materiel")
    refurbished = ctx.share(ID, "refurbished_percent", "refurbished_percent")
    reduction = ctx.default("refurbished_reduction_percent") * 0.01
    # Share of a new device's footprint: 1 − refurbished share × reduction, drawn with both.
    new_equivalent = complement(refurbished * reduction) if refurbished.value > 0 else 1.0

    for field, (factor, label) in IT_DEVICES.items():
        count = ctx.answer(ID, field, field)
        if count.value > 0:
            ctx.line(
                ID,
                field,
                label,
                count / lifetime * new_equivalent,
                factor,
                unit="unités/an",
                scope=3,
                beges="4.2",
            )
    for field, (mass_default, label) in HEAVY_BY_MASS.items():
        count = ctx.answer(ID, field, field)
        if count.value > 0:
            ctx.line(
                ID,
                field,
                label,
                count * ctx.default(mass_default) / lifetime,
                "machines_kg",
                unit="kg/an",
                scope=3,
                beges="4.2",
            )
    for field, (price_default, label) in BY_PRICE.items():
        count = ctx.answer(ID, field, field)
        if count.value > 0:
            price, detail = ctx.excl_vat(ctx.default(price_default), f"{ID}.{price_default}")
            ctx.line(
                ID,
                field,
                label,
                count * price / lifetime,
                "ratio_electromedical",
                unit="€ HT/an",
                scope=3,
                beges="4.2",
                detail=detail and f"prix {detail}",
            )
    for field, (factor, label) in PURCHASES.items():
        spend, detail = ctx.excl_vat(ctx.answer(ID, field, field), f"{ID}.{field}")
        if spend.value > 0:
            ctx.line(
                ID, field, label, spend, factor, unit="€ HT/an", scope=3, beges="4.2", detail=detail
            )
