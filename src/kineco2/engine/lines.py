"""Result lines and the activity quantities they are built from.

A :class:`Quantity` is a number with the uncertainty sources (:class:`Driver`) it depends on.
Multiplying quantities merges their drivers, so a post can write
``sessions * km_per_session * car_share`` and the result knows that it depends on the
number of sessions, on the zone's distance and on the car share. Monte Carlo draws one
multiplier per driver, shared by every line that uses it.

A :class:`Line` is one ``quantity × factor = kg CO2e`` with everything needed to explain it.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True, slots=True)
class Driver:
    """A source of activity uncertainty: one answer or one default.

    ``id`` identifies the datum (``"energie.electricity_kwh"``); lines sharing a driver are
    drawn together. ``field`` is the question that would replace a default.
    """

    id: str
    label: str
    origin: str
    uncertainty_pct: float
    field: str | None = None

    @property
    def sigma(self) -> float:
        """σ of the log-normal multiplier whose 95 % interval is ±uncertainty_pct (upper side)."""
        return math.log1p(self.uncertainty_pct / 100.0) / 1.959963984540054


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    drivers: tuple[Driver, ...] = ()

    def _merge(self, other: Quantity) -> tuple[Driver, ...]:
        seen = {d.id for d in self.drivers}
        return self.drivers + tuple(d for d in other.drivers if d.id not in seen)

    def __mul__(self, other: Quantity | float) -> Quantity:
        if isinstance(other, Quantity):
            return Quantity(self.value * other.value, self._merge(other))
        return Quantity(self.value * other, self.drivers)

    __rmul__ = __mul__

    def __truediv__(self, other: Quantity | float) -> Quantity:
        if isinstance(other, Quantity):
            # Dividing by an uncertain quantity: its relative uncertainty still widens the
            # result (first order), so the driver is kept.
            return Quantity(self.value / other.value, self._merge(other))
        return Quantity(self.value / other, self.drivers)

    @property
    def origin(self) -> str:
        """The least precise origin among the drivers (« mesuré » if there is none)."""
        if not self.drivers:
            return "convention"
        return max((d.origin for d in self.drivers), key=_ORIGIN_RANK.__getitem__)


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
        """Combined relative uncertainty (quadrature of the factor and the activity data)."""
        sigma2 = math.log1p(self.factor_uncertainty_pct / 100) ** 2 / 1.959963984540054**2
        sigma2 += sum(d.sigma**2 for d in self.drivers)
        return 100 * math.expm1(1.959963984540054 * math.sqrt(sigma2))
