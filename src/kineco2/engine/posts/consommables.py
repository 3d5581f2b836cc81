"""Consommables (scope 3, BEGES 4.1 « achats de biens »).

Method: paper couch roll by mass (sessions at the practice × m per session × kg per m ×
paper factor), other purchases by spend × monetary ratio, reams of paper per unit.
"""

from __future__ import annotations

from kineco2.engine.context import Context

ID = "consommables"
LABEL = "Consommables"
METHOD = "Drap d'examen papier : séances × mètres par séance × poids du papier × facteur du papier. Fournitures médicales, gels et huiles : dépenses × ratio monétaire ADEME. Papier de bureau : ramettes × facteur."
FACTORS = frozenset({"papier_kg", "ratio_materiel_medical", "ratio_chimie", "ramette_a4"})
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    cover, _ = ctx.choice("linge", "couch_cover", "couch_cover")
    if cover == "papier" and ctx.sessions_at_practice.value > 0:
        paper_kg = (
            ctx.sessions_at_practice
            * ctx.answer(ID, "paper_roll_m_per_session", "paper_roll_m_per_session")
            * ctx.default("paper_roll_kg_per_m")
        )
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
    ctx.line(
        ID,
        "fournitures_medicales",
        "Fournitures médicales",
        ctx.answer(ID, "medical_supplies_eur", "medical_supplies_eur"),
        "ratio_materiel_medical",
        unit="€ HT",
        scope=3,
        beges="4.1",
    )
    ctx.line(
        ID,
        "gels_huiles",
        "Gels, huiles et crèmes",
        ctx.answer(ID, "gels_oils_eur", "gels_oils_eur"),
        "ratio_chimie",
        unit="€ HT",
        scope=3,
        beges="4.1",
    )
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
