"""Services (scope 3, BEGES 4.5 « achats de services »).

Method: yearly spend per category, as paid (TTC) and without its VAT from 2026.1, × the category's monetary ratio (ADEME).
"""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "services"
LABEL = "Services"
METHOD = "Dépenses de l'année (montant payé, hors TVA) par catégorie × ratio monétaire ADEME de la catégorie."
CATEGORIES = {  # field -> (factor, label)
    "insurance_bank_accounting_eur": ("ratio_assurance_banque", "Assurances, banque, comptable"),
    "telecom_eur": ("ratio_telecom", "Téléphone et internet"),
    "software_eur": ("ratio_informatique_services", "Logiciels et services en ligne"),
    "cleaning_maintenance_eur": ("ratio_services_divers", "Ménage et entretien des locaux"),
    "repairs_eur": ("ratio_reparation", "Réparation du matériel"),
}
FACTORS = frozenset(f for f, _ in CATEGORIES.values())
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    for field, (factor, label) in CATEGORIES.items():
        spend, detail = ctx.excl_vat(ctx.answer(ID, field, field), f"{ID}.{field}")
        if spend.value > 0:
            ctx.line(
                ID, field, label, spend, factor, unit="€ HT", scope=3, beges="4.5", detail=detail
            )
