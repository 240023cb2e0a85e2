"""Redaction: what is scrubbed from text before it leaves the machine for a language model.

Secret values are never read in the first place (the adapters keep key names only); this is
the second line, for what the cluster says in plain text: tokens, passwords and keys that
appear in environment variables, logs and events. Values are replaced, names are kept, so a
model still sees *that* ``DB_PASSWORD`` is set and can reason about it. IP addresses and
email addresses are scrubbed only when asked. The MCP server applies the same rules to what
its tools return.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MASK = "[REDACTED]"

_HIDDEN_NAME = (
    r"[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|secret[_-]?key|private[_-]?key)"
)
_HIDDEN_KEY = re.compile(rf"^{_HIDDEN_NAME}$", re.IGNORECASE)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whole blocks
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
            re.DOTALL,
        ),
        MASK,
    ),
    # Authorization headers and bearer tokens
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    # credentials inside URLs: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+):[^\s@/]+@"), rf"\1:{MASK}@"),
    # NAME=value, NAME: value, "name": "value" where the name says it is a secret
    (
        re.compile(
            rf"(?i)(\b{_HIDDEN_NAME}\b[\"']?\s*(?:=|:)\s*[\"']?)(?!\[REDACTED\])[^\s\"',;&]+"
        ),
        rf"\1{MASK}",
    ),
    # well-known token shapes: JWTs, AWS access keys, GitHub, Slack and OpenAI-style keys
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"), MASK),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), MASK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}\b"), MASK),
)
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
_IPV6 = re.compile(r"(?i)\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")


@dataclass(frozen=True, slots=True)
class Redaction:
    """What to scrub: secrets always when enabled; IPs and emails only when asked."""

    enabled: bool = True
    ips: bool = False
    emails: bool = False

    def text(self, value: str) -> str:
        """``value`` with every secret-looking value replaced by ``[REDACTED]``."""
        if not self.enabled:
            return value
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        if self.ips:
            value = _IPV6.sub("[IP]", _IPV4.sub("[IP]", value))
        if self.emails:
            value = _EMAIL.sub("[EMAIL]", value)
        return value

    def data(self, value: Any) -> Any:
        """JSON-like ``value`` with its strings redacted, and replaced whole: the values of
        secret-named keys (``password``, ``apiKey``, ...) and of ``{name, value}`` entries
        whose name is one (a container's ``env``)."""
        if not self.enabled:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            named = value.get("name")
            secret_entry = isinstance(named, str) and _HIDDEN_KEY.match(named) is not None
            return {
                key: MASK
                if isinstance(item, str)
                and (_HIDDEN_KEY.match(str(key)) or (secret_entry and key == "value"))
                else self.data(item)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value


OFF = Redaction(enabled=False)
