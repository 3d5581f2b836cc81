"""Consommables (scope 3, BEGES 4.1 « achats de biens »).

Method: paper couch roll by mass (sessions at the practice × m per session × kg per m ×
paper factor), other purchases by spend × monetary ratio, reams of paper per unit.

Amounts are asked as paid (2026.1): the VAT of their category is removed before the ratio,
which is per € HT. The couch roll is not added to a supplies amount that already includes
it: if the practice says so, or if it gives its own supplies amount without saying (its amount
then includes whatever it buys). The roll's end of life stays counted in the waste.
"""

from __future__ import annotations

from kineco2.engine.context import Context
from kineco2.engine.lines import Quantity

ID = "consommables"
LABEL = "Consommables"
METHOD = "Drap d'examen papier : séances × mètres par séance × poids du papier × facteur du papier (sauf s'il est déjà compris dans vos fournitures). Fournitures médicales, gels et huiles : montant payé, hors TVA, × ratio monétaire ADEME. Papier de bureau : ramettes × facteur."
FACTORS = frozenset({"papier_kg", "ratio_materiel_medical", "ratio_chimie", "ramette_a4"})
PARAMETERS: frozenset[str] = frozenset()


def paper_roll_kg(ctx: Context) -> Quantity | None:
    """Mass of paper couch roll used in the year, or ``None`` without a paper roll."""
    cover, _ = ctx.choice("linge", "couch_cover", "couch_cover")
    if cover != "papier" or ctx.sessions_at_practice.value <= 0:
        return None
    return (
        ctx.sessions_at_practice
        * ctx.answer(ID, "paper_roll_m_per_session", "paper_roll_m_per_session")
        * ctx.default("paper_roll_kg_per_m")
    )


def roll_in_supplies(ctx: Context) -> bool:
    """Whether the supplies amount already includes the couch roll (no second count)."""
    answers = ctx.inputs.consommables
    if answers.supplies_include_paper_roll is not None:
        return answers.supplies_include_paper_roll
    if "supplies_include_paper_roll" not in ctx.defaults.defaults:
        return False  # 2025.1: the roll was always added
    # An amount of its own: it includes whatever the practice buys, the roll too.
    return answers.medical_supplies_eur is not None


def compute(ctx: Context) -> None:
    paper_kg = paper_roll_kg(ctx)
    if paper_kg is not None:
        if roll_in_supplies(ctx):
            ctx.note(
                "Drap d'examen papier : compris dans le montant de vos fournitures médicales, "
                "il n'est pas compté une deuxième fois (sa fin de vie reste comptée dans les "
                "déchets)."
            )
        else:
            ctx.line(
                ID,
                "drap_papier",
                "Drap d'examen papier",
                paper_kg,
                "papier_kg",
                unit="kg",
                scope=3,
                beges="4.1",
            )
    for field, item, label, factor in (
        (
            "medical_supplies_eur",
            "fournitures_medicales",
            "Fournitures médicales",
            "ratio_materiel_medical",
        ),
        ("gels_oils_eur", "gels_huiles", "Gels, huiles et crèmes", "ratio_chimie"),
    ):
        amount, detail = ctx.excl_vat(ctx.answer(ID, field, field), f"{ID}.{field}")
        ctx.line(ID, item, label, amount, factor, unit="€ HT", scope=3, beges="4.1", detail=detail)
    ctx.line(
        ID,
        "papier_bureau",
        "Papier de bureau",
        ctx.answer(ID, "office_paper_reams", "office_paper_reams"),
        "ramette_a4",
        unit="ramettes",
        scope=3,
        beges="4.1",
    )
