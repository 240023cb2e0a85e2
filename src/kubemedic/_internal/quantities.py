"""Kubernetes resource quantities ("250m", "1.5Gi", "2e3") as plain numbers.

CPU is handled in cores and memory in bytes; formatting goes back to the units a person
would write in a manifest, so suggested values can be pasted as they are.
"""

from __future__ import annotations

import re

_SUFFIXES: dict[str, float] = {
    "": 1.0,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}
_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$"
)


def parse_quantity(value: str | int | float | None) -> float | None:
    """Return the quantity as a float (cores for CPU, bytes for memory), None if unparseable."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _QUANTITY.match(value.strip())
    if not match:
        return None
    number, suffix = match.groups()
    return float(number) * _SUFFIXES[suffix]


def format_cpu(cores: float) -> str:
    """Format cores the way manifests write them: "250m", "2", "1500m"."""
    millis = round(cores * 1000)
    if millis % 1000 == 0:
        return str(millis // 1000)
    return f"{millis}m"


def format_memory(num_bytes: float) -> str:
    """Format bytes for a person: exact units when they fit ("256Mi"), else "1075Mi", "12.5Gi"."""
    value = round(num_bytes)
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20)):
        if value >= factor and value % factor == 0:
            return f"{value // factor}{suffix}"
    if value >= 10 * 2**30:
        return f"{value / 2**30:.1f}Gi"
    if value >= 2**20:
        return f"{round(value / 2**20)}Mi"
    if value >= 2**10:
        return f"{round(value / 2**10)}Ki"
    return str(value)


def round_up_memory(num_bytes: float) -> str:
    """Round bytes up to a tidy manifest value (whole Mi below 1Gi, 64Mi steps above)."""
    mib = num_bytes / 2**20
    step = 64 if mib > 1024 else 16 if mib > 128 else 1
    rounded = int(-(-mib // step) * step)
    if rounded % 1024 == 0:
        return f"{rounded // 1024}Gi"
    return f"{rounded}Mi"
