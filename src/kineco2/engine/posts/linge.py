"""Linge (scope 3): linen (BEGES 4.1), washing in the practice (BEGES 4.1) and an outside
laundry (BEGES 4.5).

Method (2026.1), per use rather than as a yearly stock:

* linen washed = sessions at the practice × kg of linen per session (a towel; a cotton sheet
  too when the table is covered with washable sheets);
* manufacturing of the linen = linen washed ÷ number of washes before it is discarded ×
  cotton textile factor (or, if the practice knows it, kg of linen bought × the same factor);
* washing cycles = linen washed ÷ load of a machine (or the cycles the practice counted) ×
  the cycle's factor without energy (machine manufacturing, water), plus the electricity of
  washing and machine drying × the electricity factor of the territory;
* an outside laundry: amount paid, without VAT, × services ratio.

The note compares a washable sheet with the paper roll and gives the break-even number of
washes. Versions without these defaults (2025.1) keep the yearly-stock method.
"""

from __future__ import annotations

from dataclasses import dataclass

from kineco2.engine.context import Context
from kineco2.engine.defaults import DefaultSet
from kineco2.engine.factors import FactorSet
from kineco2.engine.posts.energie import ELECTRICITY_BY_TERRITORY

ID = "linge"
LABEL = "Linge"
METHOD = "Linge lavé par séance : fabrication du linge répartie sur son nombre de lavages (facteur du coton, estimation), cycles de lave-linge (fabrication de la machine, eau) et électricité du lavage et du séchage avec le facteur de votre territoire ; blanchisserie extérieure : montant payé hors TVA × ratio monétaire."
FACTORS = frozenset(
    {"textile_coton_kg", "cycle_lavage", "ratio_services_divers"}
    | set(ELECTRICITY_BY_TERRITORY.values())
)
PARAMETERS: frozenset[str] = frozenset()


def compute(ctx: Context) -> None:
    cover, _ = ctx.choice(ID, "couch_cover", "couch_cover")
    if "linen_kg_per_session" in ctx.defaults.defaults:
        _per_use(ctx, cover)
    else:
        _yearly_stock(ctx, cover)
    laundry, detail = ctx.excl_vat(
        ctx.answer(ID, "laundry_service_eur", "laundry_service_eur"), f"{ID}.laundry_service_eur"
    )
    if laundry.value > 0:
        ctx.line(
            ID,
            "blanchisserie",
            "Blanchisserie extérieure",
            laundry,
            "ratio_services_divers",
            unit="€ HT",
            scope=3,
            beges="4.5",
            detail=detail,
        )


def _per_use(ctx: Context, cover: str) -> None:
    washable = cover == "drap_lavable"
    per_session = "linen_kg_per_session_washable_cover" if washable else "linen_kg_per_session"
    washed = ctx.sessions_at_practice * ctx.default(per_session, field="linge.textile_kg_per_year")
    if ctx.is_answered(ID, "textile_kg_per_year"):
        worn_out = ctx.answer(ID, "textile_kg_per_year")
        label = "Linge acheté (serviettes, draps, tenues)"
    else:
        worn_out = washed / ctx.default("linen_washes_before_disposal")
        label = "Linge usé (fabrication répartie sur son nombre de lavages)"
        ctx.effective["linge.textile_kg_per_year"] = worn_out.value
    ctx.line(ID, "textile", label, worn_out, "textile_coton_kg", unit="kg", scope=3, beges="4.1")

    if ctx.is_answered(ID, "wash_cycles_per_year"):
        cycles = ctx.answer(ID, "wash_cycles_per_year")
    else:
        cycles = washed / ctx.default("wash_load_kg", field="linge.wash_cycles_per_year")
        ctx.effective["linge.wash_cycles_per_year"] = cycles.value
    ctx.line(
        ID,
        "lavage",
        "Lavage au cabinet",
        cycles,
        "cycle_lavage",
        unit="cycles",
        scope=3,
        beges="4.1",
    )
    electricity = ELECTRICITY_BY_TERRITORY[ctx.territory]
    wash_kwh = ctx.default("wash_kwh_per_cycle")
    dry_kwh = ctx.default("dryer_kwh_per_cycle") * (ctx.default("dryer_share_percent") * 0.01)
    for item, label, kwh in (
        ("lavage_electricite", "Électricité du lavage", wash_kwh),
        ("sechage_electricite", "Électricité du séchage en machine", dry_kwh),
    ):
        ctx.line(ID, item, label, cycles * kwh, electricity, unit="kWh", scope=3, beges="4.1")
    roll_end_of_life = ctx.defaults.waste_streams.get("paper_roll", "dechets_papier")
    if cover in ("papier", "drap_lavable") and roll_end_of_life in ctx.factors:
        ctx.note(_break_even_note(ctx))


def break_even(
    factors: FactorSet,
    defaults: DefaultSet,
    territory: str,
    paper_m_per_session: float | None = None,
) -> BreakEven:
    """Washable sheet or paper roll, per session, with the defaults of ``defaults``.

    Paper: m per session × kg per m × (paper manufacturing + paper end of life). Sheet: the
    extra linen of a washable cover (sheet) washed after each session, i.e. its washing
    (cycle without energy + electricity of washing and drying, per kg) plus its manufacturing
    spread over its washes: it emits less than the paper beyond ``washes`` washes.
    """
    d = defaults.for_territory(territory)
    m = paper_m_per_session
    if m is None:
        m = float(d["paper_roll_m_per_session"].value)
    roll_end = factors[d.waste_streams.get("paper_roll", "dechets_papier")].value
    paper = m * float(d["paper_roll_kg_per_m"].value) * (factors["papier_kg"].value + roll_end)
    sheet_kg = float(d["linen_kg_per_session_washable_cover"].value) - float(
        d["linen_kg_per_session"].value
    )
    kwh = (
        float(d["wash_kwh_per_cycle"].value)
        + float(d["dryer_kwh_per_cycle"].value) * float(d["dryer_share_percent"].value) / 100
    )
    electricity = factors[ELECTRICITY_BY_TERRITORY[territory]].value
    per_kg = (factors["cycle_lavage"].value + kwh * electricity) / float(d["wash_load_kg"].value)
    washing = sheet_kg * per_kg
    margin = paper - washing
    washes = sheet_kg * factors["textile_coton_kg"].value / margin if margin > 0 else None
    return BreakEven(paper, sheet_kg, washing, washes)


@dataclass(frozen=True)
class BreakEven:
    """Per session, in kg CO2e: the paper roll, and a washable sheet of ``sheet_kg``."""

    paper_kgco2e: float
    sheet_kg: float
    washing_kgco2e: float
    #: Washes before disposal from which the sheet emits less (``None``: never).
    washes: float | None


def _break_even_note(ctx: Context) -> str:
    from kineco2.engine.formatting import format_number, format_significant

    paper_m = ctx.answer(
        "consommables", "paper_roll_m_per_session", "paper_roll_m_per_session"
    ).value
    b = break_even(ctx.factors, ctx.defaults, ctx.territory, paper_m)
    head = (
        f"Drap lavable ou drap papier : le drap papier émet environ "
        f"{format_significant(b.paper_kgco2e * 1000, 2)} g CO2e par séance (fabrication et fin "
        f"de vie) ; un drap en coton de {format_significant(b.sheet_kg * 1000, 2)} g lavé après "
        f"chaque séance émet {format_significant(b.washing_kgco2e * 1000, 2)} g par lavage"
    )
    if b.washes is None:
        return (
            f"{head}, soit déjà plus que le papier, quel que soit le nombre de lavages. "
            "Un drap nominatif, lavé moins souvent, peut changer la donne."
        )
    return (
        f"{head} plus sa fabrication ; il émet moins que le papier s'il supporte plus de "
        f"{format_number(b.washes, 0)} lavages avant d'être réformé (un linge "
        "professionnel en supporte 100 à 200). Un drap nominatif, lavé moins souvent, "
        "change la donne."
    )


def _yearly_stock(ctx: Context, cover: str) -> None:
    """The 2025.1 method: a yearly stock of linen and a number of sessions per cycle."""
    washable = cover == "drap_lavable"
    textile_default = "textile_kg_per_year_washable_cover" if washable else "textile_kg_per_year"
    ctx.line(
        ID,
        "textile",
        "Linge acheté (serviettes, draps, tenues)",
        ctx.answer(ID, "textile_kg_per_year", textile_default),
        "textile_coton_kg",
        unit="kg",
        scope=3,
        beges="4.1",
    )
    if ctx.is_answered(ID, "wash_cycles_per_year"):
        cycles = ctx.answer(ID, "wash_cycles_per_year")
    else:
        per_cycle = (
            "sessions_per_wash_cycle_washable_cover" if washable else "sessions_per_wash_cycle"
        )
        cycles = ctx.sessions_at_practice / ctx.default(per_cycle)
        ctx.effective["linge.wash_cycles_per_year"] = cycles.value
    ctx.line(
        ID,
        "lavage",
        "Lavage au cabinet",
        cycles,
        "cycle_lavage",
        unit="cycles",
        scope=3,
        beges="4.1",
    )
