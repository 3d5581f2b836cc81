"""Result lines and the activity quantities they are built from.

A :class:`Quantity` is a number with the uncertainty sources (:class:`Driver`) it depends on,
and *how* it depends on them, so that the Monte Carlo moves it the way the arithmetic does:

* each driver has an exponent (``powers``): multiplying by a quantity adds +1, dividing adds
  −1, powers add up (``q * q`` is ``q²``, ``q / q`` cancels). A line divided by an amortisation
  period goes *down* in the draws where the period goes up;
* a :class:`Complement` records a factor ``1 − s₁ − s₂ − …`` of shares (sessions at the
  practice = sessions × (1 − home share − telehealth share)). Each share is drawn once and the
  complement is computed from the same draw, so both move together; a share driver
  (:attr:`Driver.share`) is clipped to [0, 100 %] in every draw and the complement to [0, 1];
* a :class:`Branch` marks one option of a categorical default drawn as a mixture (heating
  energy unknown: gas with probability 0.40, …). The deterministic quantity holds the option's
  lines weighted by its probability; each draw picks one option per group and multiplies the
  chosen option's lines by 1 / p and the others by 0.

So a post can write ``sessions * km_per_session * car_share`` or ``surface / period`` and the
result knows what it depends on. Monte Carlo draws one value per driver, shared by every line
that uses it (:mod:`kineco2.engine.uncertainty`).

A :class:`Line` is one ``quantity × factor = kg CO2e`` with everything needed to explain it.
Its ``drivers`` list every datum it depends on (as before); ``powers`` (parallel to
``drivers``; 0 for a driver that enters only through a complement), ``complements`` and
``branch`` say how.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

#: Origin of an activity datum, from the most to the least precise.
ORIGINS = {
    "mesure": "mesuré",
    "estime": "estimé",
    "defaut": "valeur par défaut",
    "convention": "convention de méthode",
}
_ORIGIN_RANK = {origin: rank for rank, origin in enumerate(ORIGINS)}
#: Relative uncertainty (half-width of the 95 % interval) of an answer, by origin.
ANSWER_UNCERTAINTY_PCT = {"mesure": 5.0, "estime": 30.0}
Z975 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Driver:
    """A source of activity uncertainty: one answer or one default.

    ``id`` identifies the datum (``"energie.electricity_kwh"``); lines sharing a driver are
    drawn together. ``field`` is the question that would replace a default. ``share`` is set
    when the datum is a share (a percentage): its central value in [0, 1]; the drawn share
    ``share × exp(σz)`` is then clipped to 1 (100 %).
    """

    id: str
    label: str
    origin: str
    uncertainty_pct: float
    field: str | None = None
    share: float | None = None

    @property
    def sigma(self) -> float:
        """σ of the log-normal multiplier whose 95 % interval is ±uncertainty_pct (upper side)."""
        return math.log1p(self.uncertainty_pct / 100.0) / Z975

    @property
    def z_cap(self) -> float:
        """Largest standard-normal draw kept: above it the share would exceed 100 %."""
        if self.share is None or self.share <= 0 or self.uncertainty_pct <= 0:
            return math.inf
        return -math.log(min(self.share, 1.0)) / self.sigma


@dataclass(frozen=True, slots=True)
class Complement:
    """The factor ``1 − Σ terms`` of a quantity, each term a share (a :class:`Quantity`
    without complement or branch, e.g. the home-visit share).

    In a draw every term is drawn with its drivers (shares clipped to 100 %) and the
    complement is computed from the same draws, clipped to [0, 1]. ``power`` is its exponent
    in the quantity (≥ 1: a quantity is never divided by a complement, which may be 0).
    """

    terms: tuple[Quantity, ...]
    power: int = 1

    @property
    def central(self) -> float:
        """The deterministic value of ``1 − Σ terms``, clipped to [0, 1]."""
        return min(1.0, max(0.0, 1.0 - math.fsum(t.value for t in self.terms)))

    def base(self) -> Complement:
        return Complement(self.terms, 1)


@dataclass(frozen=True, slots=True)
class Branch:
    """One option of a categorical default drawn as a mixture.

    ``group`` is the question (``"energie.heating_energy"``); the options of a group are laid
    end to end on [0, 1) in the data's order: this option is drawn when a uniform draw falls in
    ``[lower, lower + probability)``. The same rule in every result of a comparison keeps the
    baseline and the scenario on the same option in each draw.
    """

    group: str
    option: str
    probability: float
    lower: float
    label: str = ""
    #: The question whose answer would replace the mixture (a precision hint); None once the
    #: group is renamed into another random variable (:meth:`Quantity.map_drivers`).
    field: str | None = None


class Quantity:
    """A number and the drivers it depends on, with their exponents, complements and branch.

    Immutable by convention (it is hashed and shared between lines); a hand-written class
    rather than a dataclass because the engine builds a few hundred per assessment.
    """

    __slots__ = ("branch", "complements", "drivers", "powers", "value")

    value: float
    drivers: tuple[Driver, ...]
    #: Exponent of each driver (parallel to ``drivers``; +1 for all when omitted; 0 for a
    #: driver that enters only through a complement).
    powers: tuple[int, ...]
    complements: tuple[Complement, ...]
    branch: Branch | None

    def __init__(
        self,
        value: float,
        drivers: tuple[Driver, ...] = (),
        powers: tuple[int, ...] = (),
        complements: tuple[Complement, ...] = (),
        branch: Branch | None = None,
    ) -> None:
        if drivers and not powers:
            powers = (1,) * len(drivers)
        elif powers and len(powers) != len(drivers):
            raise ValueError("Un exposant par facteur d'incertitude est attendu.")
        self.value = value
        self.drivers = drivers
        self.powers = powers
        self.complements = complements
        self.branch = branch

    def _key(self) -> tuple:
        return (self.value, self.drivers, self.powers, self.complements, self.branch)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Quantity(value={self.value!r}, drivers={self.drivers!r}, powers={self.powers!r}, "
            f"complements={self.complements!r}, branch={self.branch!r})"
        )

    # -- algebra ----------------------------------------------------------------------
    def _combine(self, other: Quantity, sign: int) -> Quantity:
        value = self.value * other.value if sign > 0 else self.value / other.value
        if not (other.drivers or other.complements or other.branch):
            return Quantity(value, self.drivers, self.powers, self.complements, self.branch)
        if sign > 0 and not (self.drivers or self.complements or self.branch):
            return Quantity(value, other.drivers, other.powers, other.complements, other.branch)
        # Drivers: powers add up.
        ids = [d.id for d in self.drivers]
        drivers = list(self.drivers)
        powers = list(self.powers)
        for driver, power in zip(other.drivers, other.powers, strict=True):
            if driver.id in ids:
                powers[ids.index(driver.id)] += sign * power
            else:
                ids.append(driver.id)
                drivers.append(driver)
                powers.append(sign * power)
        # Complements: the same complement's powers add up; never a negative power.
        if not other.complements:
            complements = self.complements
        elif sign > 0 and not self.complements:
            complements = other.complements
        else:
            merged: list[list] = []  # [terms, power]
            for quantity, s in ((self, 1), (other, sign)):
                for comp in quantity.complements:
                    for entry in merged:
                        if entry[0] is comp.terms or entry[0] == comp.terms:
                            entry[1] += s * comp.power
                            break
                    else:
                        merged.append([comp.terms, s * comp.power])
            if any(p < 0 for _, p in merged):
                raise ValueError(
                    "Une quantité ne peut pas être divisée par un complément de parts."
                )
            complements = tuple(Complement(terms, p) for terms, p in merged if p)
        # Branch: at most once; q / q cancels it.
        branch = self.branch
        if other.branch is not None:
            if branch is None and sign > 0:
                branch = other.branch
            elif branch == other.branch and sign < 0:
                branch = None
            else:
                raise ValueError("Une option de mélange ne peut apparaître qu'une fois.")
        if 0 in powers:
            referenced = {d.id for c in complements for t in c.terms for d in t.drivers}
            keep = [i for i, p in enumerate(powers) if p or ids[i] in referenced]
            drivers = [drivers[i] for i in keep]
            powers = [powers[i] for i in keep]
        return Quantity(value, tuple(drivers), tuple(powers), complements, branch)

    def __mul__(self, other: Quantity | float) -> Quantity:
        if isinstance(other, Quantity):
            return self._combine(other, 1)
        return Quantity(
            self.value * other, self.drivers, self.powers, self.complements, self.branch
        )

    __rmul__ = __mul__

    def __truediv__(self, other: Quantity | float) -> Quantity:
        if isinstance(other, Quantity):
            return self._combine(other, -1)
        return Quantity(
            self.value / other, self.drivers, self.powers, self.complements, self.branch
        )

    def __rtruediv__(self, other: float) -> Quantity:
        return Quantity(float(other)) / self

    def __pow__(self, exponent: int) -> Quantity:
        if not isinstance(exponent, int):
            raise TypeError("Seuls les exposants entiers sont pris en charge.")
        if exponent == 0:
            return Quantity(1.0)
        if exponent < 0:
            return Quantity(1.0) / self ** (-exponent)
        if self.branch is not None and exponent != 1:
            raise ValueError("Une option de mélange ne peut apparaître qu'une fois.")
        return Quantity(
            self.value**exponent,
            self.drivers,
            tuple(p * exponent for p in self.powers),
            tuple(Complement(c.terms, c.power * exponent) for c in self.complements),
            self.branch,
        )

    def without(self, driver_id: str) -> Quantity:
        """The same quantity with one driver (and its power) removed: it is taken as exact."""
        keep = [i for i, d in enumerate(self.drivers) if d.id != driver_id]
        return Quantity(
            self.value,
            tuple(self.drivers[i] for i in keep),
            tuple(self.powers[i] for i in keep),
            self.complements,
            self.branch,
        )

    def map_drivers(
        self,
        driver: Callable[[Driver], Driver],
        group: Callable[[str], str] | None = None,
    ) -> Quantity:
        """The same quantity with every driver (complements' included) replaced by
        ``driver(d)`` and, if given, its mixture group renamed by ``group`` (to make two
        practices' answers distinct random variables, say)."""
        branch = self.branch
        if branch is not None and group is not None:
            renamed = group(branch.group)
            if renamed != branch.group:
                branch = dataclasses.replace(branch, group=renamed, field=None)
        return Quantity(
            self.value,
            tuple(driver(d) for d in self.drivers),
            self.powers,
            tuple(
                Complement(tuple(t.map_drivers(driver) for t in c.terms), c.power)
                for c in self.complements
            ),
            branch,
        )

    # -- description ------------------------------------------------------------------
    @property
    def origin(self) -> str:
        """The least precise origin among the drivers (« mesuré » if there is none)."""
        if not self.drivers:
            return "convention"
        return max((d.origin for d in self.drivers), key=_ORIGIN_RANK.__getitem__)

    def log_loadings(self) -> dict[str, float]:
        """First-order sensitivity of ln(quantity) to each driver's standard-normal draw.

        A power e gives e·σ; a complement C = 1 − Σ sₖ gives −power·sₖ·eₖ·σ / C for a driver
        of the term sₖ (0 when C = 0: the quantity is then 0). Mixtures are not included.
        """
        out = {d.id: p * d.sigma for d, p in zip(self.drivers, self.powers, strict=True)}
        for comp in self.complements:
            central = comp.central
            if central <= 0:
                continue
            for term in comp.terms:
                for d, p in zip(term.drivers, term.powers, strict=True):
                    out[d.id] = out.get(d.id, 0.0) - comp.power * term.value * p * d.sigma / central
        return out


def complement(*shares: Quantity | float) -> Quantity:
    """``1 − Σ shares`` as a quantity whose draws move with the shares'.

    Each share is a number in [0, 1] or a quantity without complement or branch (usually
    :meth:`kineco2.engine.context.Context.share`). The value is clipped to [0, 1].
    """
    terms: list[Quantity] = []
    for share in shares:
        term = share if isinstance(share, Quantity) else Quantity(float(share))
        if term.complements or term.branch is not None:
            raise ValueError(
                "Le complément d'un complément ou d'une option n'est pas pris en charge."
            )
        terms.append(term)
    comp = Complement(tuple(terms), 1)
    seen: dict[str, Driver] = {}
    for term in terms:
        for driver in term.drivers:
            seen.setdefault(driver.id, driver)
    return Quantity(comp.central, tuple(seen.values()), (0,) * len(seen), (comp,) if seen else ())


@dataclass(frozen=True, slots=True)
class Line:
    """One emission line: ``quantity`` (in ``unit``) × ``factor_value`` = ``kgco2e``."""

    post: str
    item: str
    label: str
    quantity: float
    unit: str
    factor_id: str
    factor_value: float
    factor_unit: str
    factor_uncertainty_pct: float
    kgco2e: float
    origin: str
    scope: int
    beges_category: str
    drivers: tuple[Driver, ...] = field(default=())
    note: str = ""
    #: Exponent of each driver, parallel to ``drivers`` (empty means +1 for all).
    powers: tuple[int, ...] = ()
    complements: tuple[Complement, ...] = ()
    branch: Branch | None = None

    def __post_init__(self) -> None:
        if len(self.powers) != len(self.drivers):
            if self.powers:
                raise ValueError("Un exposant par facteur d'incertitude est attendu.")
            object.__setattr__(self, "powers", (1,) * len(self.drivers))

    @property
    def activity(self) -> Quantity:
        """The line's quantity with its drivers, powers, complements and branch."""
        return Quantity(self.quantity, self.drivers, self.powers, self.complements, self.branch)

    def map_drivers(
        self,
        driver: Callable[[Driver], Driver],
        group: Callable[[str], str] | None = None,
    ) -> Line:
        """A copy whose drivers (complements' included) and mixture group are renamed
        (:meth:`Quantity.map_drivers`)."""
        activity = self.activity.map_drivers(driver, group)
        return dataclasses.replace(
            self,
            drivers=activity.drivers,
            complements=activity.complements,
            branch=activity.branch,
        )

    def all_drivers(self) -> Iterator[Driver]:
        """Every driver the line depends on, including those inside its complements."""
        yield from self.drivers
        for comp in self.complements:
            for term in comp.terms:
                yield from term.drivers

    @property
    def detail(self) -> str:
        """The arithmetic in French: ``3 600 km × 0,218 kgCO2e/km``."""
        from kineco2.engine.formatting import format_significant

        text = (
            f"{format_significant(self.quantity, 3)} {self.unit} × "
            f"{format_significant(self.factor_value, 3)} {self.factor_unit}"
        )
        return f"{text} ({self.note})" if self.note else text

    @property
    def uncertainty_pct(self) -> float:
        """Combined relative uncertainty (quadrature of the factor and the activity data).

        First order: each driver counts with its sensitivity (:meth:`Quantity.log_loadings`);
        the choice of a mixture option is not included (it is in the Monte Carlo).
        """
        sigma2 = math.log1p(self.factor_uncertainty_pct / 100) ** 2 / Z975**2
        sigma2 += sum(v * v for v in self.activity.log_loadings().values())
        return 100 * math.expm1(Z975 * math.sqrt(sigma2))


def unique_drivers(lines: Iterable[Line]) -> Iterator[Driver]:
    """Every driver of ``lines`` once (first occurrence), including complement terms'."""
    seen: set[str] = set()
    for line in lines:
        for driver in line.all_drivers():
            if driver.id not in seen:
                seen.add(driver.id)
                yield driver
