"""Why the API server refused a controller's pod, read from its ``FailedCreate`` message.

When admission rejects a pod, no pod exists and the pod analyzers have nothing to look at: the
controller's event is the only evidence. Parsing it into the quota numbers, the PodSecurity
checklist, the missing ServiceAccount or the webhook that said no is what turns a long error
string into concrete fixes. Unknown messages are kept verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubemedic._internal.quantities import parse_quantity

_QUOTA = re.compile(
    r"exceeded quota: (?P<quota>[^,\s]+), requested: (?P<requested>\S+), "
    r"used: (?P<used>\S+), limited: (?P<limited>[^\s\]]+)"
)
_QUOTA_NEEDS = re.compile(r"failed quota: (?P<quota>[^:\s]+): must specify (?P<what>.+)")
_LIMIT_RANGE = re.compile(
    r"(?:maximum|minimum) \S+ usage per (?:Container|Pod|PersistentVolumeClaim) is [^,\s]+, "
    r"but (?:limit|request) is [^,\]\s]+"
    r"|\S+ max limit to request ratio per (?:Container|Pod) is [^,\s]+, "
    r"but provided ratio is [\d.]+"
)
_POD_SECURITY = re.compile(r'violates PodSecurity "(?P<profile>[^"]+)": (?P<checks>.+)', re.DOTALL)
_SERVICE_ACCOUNT = re.compile(r"error looking up service account (?P<ns>[^/\s]+)/(?P<name>[^:\s]+)")
_WEBHOOK_DENIED = re.compile(
    r'admission webhook "(?P<hook>[^"]+)" denied the request:?\s*(?P<reason>.*)', re.DOTALL
)
_WEBHOOK_FAILED = re.compile(r'failed calling webhook "(?P<hook>[^"]+)": (?P<error>.+)', re.DOTALL)
_WEBHOOK_SERVICE = re.compile(
    r"https://(?P<name>[a-z0-9-]+)\.(?P<ns>[a-z0-9-]+)\.svc"
    r'|no endpoints available for service "(?:(?P<ns2>[a-z0-9-]+)/)?(?P<name2>[a-z0-9-]+)"'
)
_QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    """One resource of a quota rejection: what the pod asked for against what is left."""

    resource: str
    requested: str
    used: str
    limited: str

    @property
    def free(self) -> float | None:
        hard, used = parse_quantity(self.limited), parse_quantity(self.used)
        return None if hard is None or used is None else max(hard - used, 0.0)

    @property
    def exceeded(self) -> bool:
        free, asked = self.free, parse_quantity(self.requested)
        return free is None or asked is None or asked > free


@dataclass(frozen=True, slots=True)
class QuotaExceeded:
    quota: str
    usage: tuple[QuotaUsage, ...]

    @property
    def exceeded(self) -> tuple[QuotaUsage, ...]:
        return tuple(u for u in self.usage if u.exceeded) or self.usage


@dataclass(frozen=True, slots=True)
class QuotaNeedsValues:
    """A quota on requests/limits rejects pods that do not declare them."""

    quota: str
    missing: tuple[tuple[str, tuple[str, ...]], ...]  # (resource, containers lacking it)


@dataclass(frozen=True, slots=True)
class LimitRangeViolation:
    violations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PodSecurityCheck:
    """One item of a PodSecurity rejection: the check and what it asks of which containers."""

    check: str
    detail: str

    @property
    def containers(self) -> tuple[str, ...]:
        match = re.search(r'containers? ((?:"[^"]+"(?:, | and )?)+)', self.detail)
        return tuple(_QUOTED.findall(match.group(1))) if match else ()


@dataclass(frozen=True, slots=True)
class PodSecurityViolation:
    profile: str
    checks: tuple[PodSecurityCheck, ...]


@dataclass(frozen=True, slots=True)
class MissingServiceAccount:
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class WebhookDenied:
    webhook: str
    reason: str


@dataclass(frozen=True, slots=True)
class WebhookUnavailable:
    webhook: str
    error: str
    service: str | None  # "namespace/name" of the webhook's backend, when the error names it


@dataclass(frozen=True, slots=True)
class Unrecognised:
    message: str


Rejection = (
    QuotaExceeded
    | QuotaNeedsValues
    | LimitRangeViolation
    | PodSecurityViolation
    | MissingServiceAccount
    | WebhookDenied
    | WebhookUnavailable
    | Unrecognised
)


def parse_rejection(message: str) -> Rejection:
    """Classify a ``FailedCreate`` message (or an API error) from a pod-creating controller."""
    if match := _QUOTA.search(message):
        return _quota(match)
    if match := _QUOTA_NEEDS.search(message):
        return QuotaNeedsValues(match["quota"], _needs(match["what"]))
    if match := _POD_SECURITY.search(message):
        return PodSecurityViolation(match["profile"], _psa_checks(match["checks"]))
    if violations := _LIMIT_RANGE.findall(message):
        return LimitRangeViolation(tuple(violations))
    if match := _SERVICE_ACCOUNT.search(message):
        return MissingServiceAccount(match["ns"], match["name"])
    if match := _WEBHOOK_DENIED.search(message):
        return WebhookDenied(match["hook"], match["reason"].strip())
    if match := _WEBHOOK_FAILED.search(message):
        return WebhookUnavailable(match["hook"], match["error"].strip(), _webhook_service(message))
    return Unrecognised(message)


def _quota(match: re.Match[str]) -> QuotaExceeded:
    requested = _pairs(match["requested"])
    used = _pairs(match["used"])
    limited = _pairs(match["limited"])
    usage = tuple(
        QuotaUsage(name, value, used.get(name, "0"), limited.get(name, "?"))
        for name, value in requested.items()
    )
    return QuotaExceeded(match["quota"], usage)


def _pairs(text: str) -> dict[str, str]:
    pairs = {}
    for item in text.strip(",").split(","):
        name, _, value = item.partition("=")
        if name:
            pairs[name] = value
    return pairs


def _needs(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``limits.cpu for: app; limits.memory for: app,sidecar`` (older: ``limits.cpu,...``)."""
    if " for: " not in text:
        return tuple((r.strip(), ()) for r in text.split(",") if r.strip())
    needs = []
    for part in text.split(";"):
        resource, _, containers = part.strip().partition(" for: ")
        names = tuple(c.strip() for c in containers.split(",") if c.strip())
        needs.append((resource.strip(), names))
    return tuple(needs)


def _psa_checks(text: str) -> tuple[PodSecurityCheck, ...]:
    checks = []
    for item in _split_top_level(text.strip()):
        head, paren, rest = item.partition(" (")
        detail = rest[:-1] if paren and rest.endswith(")") else ""
        checks.append(PodSecurityCheck(head.strip(), detail))
    return tuple(checks)


def _split_top_level(text: str) -> list[str]:
    """Split on ``, `` outside parentheses and quotes (details contain commas of their own)."""
    items, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(", ", i):
            items.append(text[start:i])
            start = i + 2
    items.append(text[start:])
    return [item for item in items if item.strip()]


def _webhook_service(message: str) -> str | None:
    match = _WEBHOOK_SERVICE.search(message)
    if match is None:
        return None
    if match["name"]:
        return f"{match['ns']}/{match['name']}"
    return f"{match['ns2']}/{match['name2']}" if match["ns2"] else match["name2"]
