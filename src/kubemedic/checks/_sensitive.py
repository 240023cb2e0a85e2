"""What looks like a credential: by its name (a key, an env var) or by its shape (a value).

The union of Polaris' ``sensitiveContainerEnvVar``/``sensitiveConfigmapContent`` and kubescape's
C-0012 patterns, tightened against the usual false alarms (``TOKEN_FILE``, ``SECRET_NAME``,
``PASSWORD_PATH`` name where a credential is, not the credential). Only a verdict and the
reason leave this module: never the value, nor a piece of it.
"""

from __future__ import annotations

import re

_NAME = re.compile(
    r"(^|[_.\-])(password|passwd|pwd|secret|token|bearer|credentials?|jwt|"
    r"api[_\-]?key|apikey|private[_\-]?key|access[_\-]?key|secret[_\-]?key|client[_\-]?secret|"
    r"session[_\-]?key|signing[_\-]?key|encryption[_\-]?key)($|[_.\-])|"
    r"^(aws_secret_access_key|google_application_credentials|oci_cli_key_content)$|"
    r"^azure_.+key$",
    re.IGNORECASE,
)
_NOT_A_CREDENTIAL = re.compile(
    r"[_.\-](file|path|name|ref|dir|url_path|header|ttl|length|expiry|expiration|timeout|"
    r"enabled|type|policy|endpoint|issuer|audience)$",
    re.IGNORECASE,
)
_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|github_pat_\w{22,}")),
    ("a Slack token", re.compile(r"\bxox[baprs]-[0-9A-Za-z-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.")),
    ("a URL with a password", re.compile(r"[a-z][a-z0-9+.\-]*://[^/\s:@]+:[^/\s@]+@", re.I)),
)
_PLAIN = re.compile(r"true|false|yes|no|on|off|[0-9.]+[a-z]{0,2}", re.IGNORECASE)
"""Flags, numbers and durations: settings about a credential, not one."""


def sensitive_name(name: str) -> bool:
    """A key or variable name that says it holds a credential."""
    return bool(_NAME.search(name)) and not _NOT_A_CREDENTIAL.search(name)


def credential_shape(value: str) -> str | None:
    """What credential ``value`` looks like (``"a private key"``), or None."""
    for what, pattern in _VALUES:
        if pattern.search(value):
            return what
    return None


def literal_credential(name: str, value: object) -> str | None:
    """Why a literal ``name=value`` pair looks like a credential, or None.

    An empty value, a reference to another variable (``$(DB_PASSWORD)``) or a file path names
    no credential itself.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    shape = credential_shape(value)
    if shape is not None:
        return f"its value looks like {shape}"
    if value.startswith(("$(", "/")) or _PLAIN.fullmatch(value) or not sensitive_name(name):
        return None
    return "its name says it holds a credential"
