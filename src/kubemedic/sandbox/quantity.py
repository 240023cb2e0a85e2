"""Resource quantities as Go's ``resource.Quantity`` keeps and prints them.

Admission messages quote quantities the way the API server prints them — ``requests.cpu=500m``,
``used: requests.memory=1536Mi``, ``maximum cpu usage per Container is 1, but limit is 2`` —
so sums stay exact (decimals, never floats) and print in the canonical form of the format they
were written in: binary suffixes (``Mi``) stay binary, everything else is decimal (``1500m``,
``2``, ``1k``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

_PATTERN = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?))$"
)
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX = {power: suffix for suffix, power in _DECIMAL.items()}
_BINARY_SUFFIX = {power: suffix for suffix, power in _BINARY.items()}
_NANO = Decimal("1e-9")


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact amount and whether it was written with binary suffixes."""

    amount: Decimal
    binary: bool = False

    def __add__(self, other: Quantity) -> Quantity:
        binary = self.binary if self.amount else other.binary
        return Quantity(self.amount + other.amount, binary)

    def __str__(self) -> str:
        return canonical(self.amount, binary=self.binary)


ZERO = Quantity(Decimal(0))


def parse(value: object) -> Quantity | None:
    """``"500m"`` → 0.5 (decimal); ``"1Gi"`` → 1073741824 (binary); None when unparseable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Quantity(Decimal(str(value)))
    match = _PATTERN.match(str(value).strip())
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    if exponent:
        return Quantity(Decimal(number) * Decimal(10) ** int(exponent[1:]))
    if suffix in _BINARY:
        return Quantity(Decimal(number) * 2 ** _BINARY[suffix], binary=True)
    return Quantity(Decimal(number) * Decimal(10) ** _DECIMAL[suffix or ""])


def canonical(amount: Decimal, *, binary: bool = False) -> str:
    """Go's canonical form: ``1500m``, ``2``, ``2k``; binary ``512Mi`` when it divides exactly."""
    if amount == 0:
        return "0"
    if binary and abs(amount) >= 1024 and amount == amount.to_integral_value():
        mantissa, power = int(amount), 0
        while mantissa % 1024 == 0 and power < 60:
            mantissa, power = mantissa // 1024, power + 10
        return f"{mantissa}{_BINARY_SUFFIX[power]}"
    nanos = int((amount / _NANO).to_integral_value(rounding=ROUND_CEILING))
    power = -9
    while nanos % 1000 == 0 and power < 18:
        nanos, power = nanos // 1000, power + 3
    return f"{nanos}{_DECIMAL_SUFFIX[power]}"


def total(quantities: Iterable[Quantity]) -> Quantity:
    """The sum, printed in the format of the first non-zero addend (as Go's ``Add`` keeps it)."""
    result = ZERO
    for quantity in quantities:
        result = result + quantity
    return result


def resource_list(raw: Mapping[str, object] | None) -> dict[str, Quantity]:
    """A ResourceList (``{"cpu": "500m"}``) with its unparseable entries dropped."""
    parsed = {str(name): parse(value) for name, value in (raw or {}).items()}
    return {name: quantity for name, quantity in parsed.items() if quantity is not None}


def pretty(resources: Mapping[str, Quantity]) -> str:
    """``requests.cpu=500m,requests.memory=1Gi``: sorted by name, as quota messages print it."""
    return ",".join(f"{name}={resources[name]}" for name in sorted(resources))
