"""What a post module sees: the answers, the reference data and a line builder.

The context resolves the practice profile once (commune → territory, patient zone, sessions,
surface) and turns every answer or default into a :class:`Quantity` that remembers where it
came from. Posts call :meth:`Context.line` to record ``quantity × factor``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, NamedTuple

from kineco2.engine import geography
from kineco2.engine.defaults import DefaultSet
from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.factors import FactorSet
from kineco2.engine.formatting import format_percent, format_significant
from kineco2.engine.lines import (
    ANSWER_UNCERTAINTY_PCT,
    Branch,
    Driver,
    Line,
    Quantity,
    complement,
)
from kineco2.engine.schema import SECTIONS, AssessmentInput, field_title

#: Overseas territories where the defaults assume air conditioning and regional flights.
TROPICAL_OVERSEAS = frozenset(
    {
        "guadeloupe",
        "martinique",
        "guyane",
        "la_reunion",
        "mayotte",
        "saint_barthelemy",
        "saint_martin",
    }
)
OVERSEAS = TROPICAL_OVERSEAS | {"saint_pierre_et_miquelon"}


@functools.cache
def _vat_note(rate: float) -> str:
    """How the line's € HT comes from the amount paid: ``montant payé TTC ÷ 1,2 (TVA 20 %)``."""
    return (
        f"montant payé TTC ÷ {format_significant(1 + rate, 3)} "
        f"(TVA à {format_significant(100 * rate, 3)} %)"
    )


def _default_quantity(defaults: DefaultSet, default_id: str, field: str | None) -> Quantity:
    """The default's own value and uncertainty driver, before its « per » scaling.

    Kept on the (immutable) set of defaults: a bilan asks for some seventy defaults, the
    same ones every time."""
    cache = defaults.__dict__.setdefault("_quantities", {})
    key = (default_id, field)
    quantity = cache.get(key)
    if quantity is None:
        item = defaults[default_id]
        label = field_title(tuple(field.split("."))) if field else default_id
        drivers: tuple[Driver, ...] = ()
        if item.uncertainty_pct > 0:
            drivers = (
                Driver(
                    id=f"defaut:{default_id}",
                    label=label or default_id,
                    origin="defaut",
                    uncertainty_pct=item.uncertainty_pct,
                    field=field,
                ),
            )
        quantity = cache[key] = Quantity(float(item.value), drivers)
    return quantity


class Context:
    def __init__(
        self,
        inputs: AssessmentInput,
        factors: FactorSet,
        defaults: DefaultSet,
        *,
        drivers: bool = True,
    ):
        self.inputs = inputs
        #: False: quantities carry no uncertainty drivers (figures only, no Monte Carlo, no
        #: precision hints): the same values, several times cheaper (batch recomputes).
        self.with_drivers = drivers
        self.factors = factors
        self.lines: list[Line] = []
        self.notes: list[str] = []
        self.factor_ids_used: set[str] = set()
        self.defaults_used: set[str] = set()
        #: The value used for each question, answered or defaulted (``"energie.heating_kwh"``).
        #: Actions override answers relative to these values.
        self.effective: dict[str, Any] = {}

        profile = inputs.profile
        self.commune = geography.locate(profile.commune)
        self.territory = self.commune.territory
        #: Defaults of this territory (overseas: no heating, air conditioning, long-haul flights).
        self.defaults = defaults.for_territory(self.territory)
        self.practitioners = profile.practitioners
        #: The zone of INSEE's zoning (aires d'attraction des villes 2020) for the commune.
        self.zone_insee = geography.insee_patient_zone(self.commune)
        if profile.patient_zone is None:
            self.zone = self.zone_insee
            self.zone_guessed = True  # i.e. taken from INSEE's zoning, not from the user
        else:
            self.zone = profile.patient_zone
            self.zone_guessed = False

        self.sessions = self.answer("profile", "sessions_per_year", "sessions_per_practitioner")
        home = self.share("profile", "home_visit_percent", "home_visit_percent")
        tele = self.share("profile", "telehealth_percent", "telehealth_percent")
        self.home_share = home.value
        self.telehealth_share = tele.value
        # The complement moves with the shares in the Monte Carlo (same draws, clipped).
        self.sessions_at_home = self.sessions * home
        self.sessions_remote = self.sessions * tele
        #: Share of the sessions given at the practice, 1 − home − telehealth (a quantity that
        #: moves with both shares).
        self.practice_fraction = complement(home, tele)
        self.sessions_at_practice = self.sessions * self.practice_fraction
        #: Share of the activity that is not home visits, 1 − home: scales the premises
        #: defaults (``per: kine_cabinet``), so that a practice doing only home visits gets no
        #: default room. Remote sessions (télésoin) are given from the practice: they keep it.
        self.premises_fraction = complement(home)
        self.practice_share = self.premises_fraction.value
        self.surface = self.answer("profile", "surface_m2", "surface_per_practitioner")

    # -- answers and defaults ------------------------------------------------------------
    def _section(self, section: str) -> Any:
        return getattr(self.inputs, section)

    def is_answered(self, section: str, name: str) -> bool:
        return getattr(self._section(section), name) is not None

    def answer(self, section: str, name: str, default_id: str | None = None) -> Quantity:
        """The user's answer as a quantity, or the default ``default_id`` if unanswered."""
        value = getattr(self._section(section), name)
        path = f"{section}.{name}"
        if value is None:
            if default_id is None:
                raise ReferenceDataError(f"Pas de valeur par défaut pour {path}.")
            quantity = self.default(default_id, field=path)
            self.effective.setdefault(path, quantity.value)
            return quantity
        if not self.with_drivers:
            self.effective[path] = float(value)
            return Quantity(float(value))
        origin = getattr(self._section(section), "data_quality", "estime")
        if section == "profile":
            origin = "mesure" if name == "sessions_per_year" else "estime"
        driver = Driver(
            id=path,
            label=field_title((section, name)),
            origin=origin,
            uncertainty_pct=ANSWER_UNCERTAINTY_PCT[origin],
            field=path,
        )
        self.effective[path] = float(value)
        return Quantity(float(value), (driver,))

    def share(self, section: str, name: str, default_id: str | None = None) -> Quantity:
        """A percentage answer (or default) as a share in [0, 1], drawn clipped to 100 %.

        Use :func:`kineco2.engine.lines.complement` for ``1 − share``: the complement then
        moves with the share in the Monte Carlo.
        """
        percent = self.answer(section, name, default_id)
        value = min(1.0, max(0.0, percent.value / 100))
        drivers = tuple(dataclasses.replace(d, share=value) for d in percent.drivers)
        return Quantity(value, drivers, percent.powers)

    def mixture(
        self, group: str, probabilities: dict[str, float], label: str = ""
    ) -> dict[str, Quantity]:
        """A categorical default drawn as a mixture over ``probabilities`` (national shares).

        Returns, for each option, a weight quantity (its probability, marked with a
        :class:`kineco2.engine.lines.Branch`): a post computes each option's lines with the
        weight as a multiplier, so the deterministic value is the probability-weighted sum and
        each Monte Carlo draw keeps one option (its lines × 1 / p, the others × 0). Options of
        probability 0 are left out; the probabilities are normalised to sum to 1.
        """
        total = math.fsum(p for p in probabilities.values() if p > 0)
        if total <= 0:
            raise ReferenceDataError(f"Parts nulles pour le mélange « {group} ».")
        weights: dict[str, Quantity] = {}
        options = [(option, p) for option, p in probabilities.items() if p > 0]
        lower = 0.0
        for k, (option, p) in enumerate(options):
            # The last option ends exactly at 1, so every uniform draw picks an option.
            share = p / total if k < len(options) - 1 else 1.0 - lower
            branch = Branch(
                group=group, option=option, probability=share, lower=lower, label=label, field=group
            )
            weights[option] = Quantity(share, branch=branch)
            lower += share
        return weights

    def option(self, weight: Quantity, label: str) -> OptionView:
        """The context seen by one option of a mixture (:meth:`mixture`): every line it
        records is multiplied by the option's weight and says which option it is."""
        return OptionView(self, weight, label)

    def default(self, default_id: str, *, field: str | None = None) -> Quantity:
        """A default scaled by what it is « per » (practitioner, m², session…).

        A default id that is not in the defaults file may name a parameter of the factors
        file (``duree_amortissement_materiel``): conventions are not duplicated.
        """
        self.defaults_used.add(default_id)
        if default_id not in self.defaults.defaults:
            return self.parameter(default_id, field=field)
        item = self.defaults[default_id]
        quantity = _default_quantity(self.defaults, default_id, field)
        if not self.with_drivers:
            quantity = Quantity(quantity.value)
        quantity = self._per(item.per, quantity)
        if field is not None:
            self.effective.setdefault(field, quantity.value)
        return quantity

    def _per(self, per: str | None, quantity: Quantity) -> Quantity:
        """A default's own value scaled by what it is « per » (``Default.per``)."""
        if per == "kine":
            return quantity * self.practitioners
        if per == "kine_cabinet":
            return quantity * self.practitioners * self.premises_fraction
        if per == "m2":
            return quantity * self.surface
        if per == "seance":
            return quantity * self.sessions
        if per == "seance_cabinet":
            return quantity * self.sessions_at_practice
        return quantity

    def choice(self, section: str, name: str, default_id: str) -> tuple[str, bool]:
        """A categorical answer and whether it is the default."""
        value = getattr(self._section(section), name)
        path = f"{section}.{name}"
        if value is None:
            self.defaults_used.add(default_id)
            value = str(self.defaults[default_id].value)
            self.effective[path] = value
            return value, True
        self.effective[path] = value
        return value, False

    def parameter(self, factor_id: str, *, field: str | None = None) -> Quantity:
        """A method parameter of the factors file (leak rate in %, lifetime in years)."""
        factor = self.factors[factor_id]
        if factor.kind != "parametre":
            raise ReferenceDataError(f"« {factor_id} » n'est pas un paramètre de méthode.")
        self.factor_ids_used.add(factor_id)
        value = factor.value / 100 if factor.unit.startswith("%") else factor.value
        drivers: tuple[Driver, ...] = ()
        if factor.uncertainty_pct > 0 and self.with_drivers:
            drivers = (
                Driver(
                    id=f"parametre:{factor_id}",
                    label=factor.label,
                    origin="convention" if field is None else "defaut",
                    uncertainty_pct=factor.uncertainty_pct,
                    field=field,
                ),
            )
        return Quantity(value, drivers)

    def constant(
        self,
        value: float,
        label: str,
        uncertainty_pct: float,
        key: str,
        *,
        field: str | None = None,
        share: bool = False,
    ) -> Quantity:
        """A fixed hypothesis of the reference data (e.g. a zone's distance).

        ``field`` names the question whose answer would replace it; ``share`` marks a share
        in [0, 1] (clipped to 100 % in every draw, see :meth:`share`).
        """
        drivers: tuple[Driver, ...] = ()
        if uncertainty_pct > 0 and self.with_drivers:
            drivers = (
                Driver(
                    id=key,
                    label=label,
                    origin="defaut",
                    uncertainty_pct=uncertainty_pct,
                    field=field,
                    share=min(1.0, max(0.0, value)) if share else None,
                ),
            )
        return Quantity(value, drivers)

    def excl_vat(self, amount: Quantity, field: str) -> tuple[Quantity, str]:
        """An amount « as paid » (TTC) without the VAT of its category, and the arithmetic.

        Kinés cannot recover VAT, so they know their amounts with VAT; monetary ratios are per
        € HT. Versions without a VAT rule (2025.1) read amounts as HT: nothing is removed.
        """
        rate = self.defaults.vat_rate(field)
        if rate == 0:
            return amount, ""
        detail = _vat_note(rate)
        return amount * (1 / (1 + rate)), detail

    # -- lines ---------------------------------------------------------------------------
    def _emission_factor(self, factor_id: str):
        """The factor a line multiplies by; an id of the factors file that is not an emission
        factor (a parameter) is refused."""
        factor = self.factors[factor_id]
        if factor.kind != "facteur":
            raise ReferenceDataError(f"« {factor_id} » n'est pas un facteur d'émission.")
        return factor

    def line(
        self,
        post: str,
        item: str,
        label: str,
        quantity: Quantity,
        factor_id: str,
        *,
        unit: str,
        scope: int,
        beges: str,
        detail: str = "",
    ) -> Line:
        factor = self._emission_factor(factor_id)
        self.factor_ids_used.add(factor_id)
        value = max(0.0, quantity.value)
        line = Line(
            post=post,
            item=item,
            label=label,
            quantity=value,
            unit=unit,
            factor_id=factor_id,
            factor_value=factor.value,
            factor_unit=factor.unit,
            factor_uncertainty_pct=factor.uncertainty_pct,
            kgco2e=value * factor.value,
            origin=quantity.origin,
            scope=scope,
            beges_category=beges,
            drivers=quantity.drivers,
            note=detail,
            powers=quantity.powers,
            complements=quantity.complements,
            branch=quantity.branch,
        )
        self.lines.append(line)
        return line

    def note(self, text: str) -> None:
        self.notes.append(text)


class OptionView:
    """A :class:`Context` whose lines are one option of a mixture (see :meth:`Context.option`).

    ``line`` multiplies the quantity by the option's weight (its probability, marked with its
    :class:`kineco2.engine.lines.Branch`) and adds the option to the label; a note is added
    once however many options give it; everything else is the context's.
    """

    def __init__(self, ctx: Context, weight: Quantity, label: str):
        self._ctx = ctx
        self._weight = weight
        self._suffix = f" — si « {label} » ({format_percent(weight.value)} des cabinets)"

    def line(
        self, post: str, item: str, label: str, quantity: Quantity, factor_id: str, **kw: Any
    ) -> Line:
        return self._ctx.line(
            post, item, label + self._suffix, quantity * self._weight, factor_id, **kw
        )

    def note(self, text: str) -> None:
        if text not in self._ctx.notes:
            self._ctx.note(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)


class Figure(NamedTuple):
    """What :class:`FiguresContext` keeps of a line: its post and its kg CO2e."""

    post: str
    kgco2e: float


class FiguresContext(Context):
    """A context that keeps only the post and the kg CO2e of each line (``figures``).

    For :func:`kineco2.engine.compute.post_totals` (batch recomputes that store totals per
    post): no uncertainty drivers (``drivers=False``), no :class:`Line` objects, labels,
    notes or record of the values used. Every number goes through the same code as in
    :class:`Context` — the posts' arithmetic, ``max(0, quantity) × factor`` — so the figures
    are those of the full engine, bit for bit.
    """

    def __init__(self, inputs: AssessmentInput, factors: FactorSet, defaults: DefaultSet):
        #: (post, kg CO2e) of each line, as plain tuples (see :class:`Figure`)
        self.figures: list[tuple[str, float]] = []
        super().__init__(inputs, factors, defaults, drivers=False)

    def answer(self, section: str, name: str, default_id: str | None = None) -> Quantity:
        value = getattr(getattr(self.inputs, section), name)
        if value is not None:
            return Quantity(float(value))
        if default_id is None:
            return super().answer(section, name)  # the same error
        return self.default(default_id)

    def default(self, default_id: str, *, field: str | None = None) -> Quantity:
        # Context.default without its records (defaults used, values used) or drivers
        item = self.defaults.defaults.get(default_id)
        if item is None:
            return self.parameter(default_id)
        return self._per(item.per, Quantity(float(item.value)))

    def option(self, weight: Quantity, label: str) -> OptionView:
        return _FiguresOptionView(self, weight)

    def line(
        self,
        post: str,
        item: str,
        label: str,
        quantity: Quantity,
        factor_id: str,
        *,
        unit: str,
        scope: int,
        beges: str,
        detail: str = "",
    ) -> None:
        factor = self._emission_factor(factor_id)
        self.figures.append((post, max(0.0, quantity.value) * factor.value))

    def note(self, text: str) -> None:
        pass


class _FiguresOptionView(OptionView):
    """An option of a mixture in a :class:`FiguresContext`: the weight, without the label."""

    def __init__(self, ctx: Context, weight: Quantity):
        self._ctx = ctx
        self._weight = weight
        self._suffix = ""


def section_names() -> list[str]:
    return list(SECTIONS)
