"""What redaction scrubs before text leaves the machine, and what it leaves for the reader."""

from __future__ import annotations

import pytest

from kubemedic.services.redaction import Redaction


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("DB_PASSWORD=hunter2 accepted", "DB_PASSWORD=[REDACTED] accepted"),
        ('{"api_key": "abc123"}', '{"api_key": "[REDACTED]"}'),
        ("Authorization: Bearer abcdefghijkl", "Authorization: Bearer [REDACTED]"),
        ("dial postgres://app:pa55@db:5432/x", "dial postgres://app:[REDACTED]@db:5432/x"),
        ("key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED] used"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "[REDACTED]"),
        ('secret "db-creds" not found', 'secret "db-creds" not found'),
        ("secretKeyRef: db/password", "secretKeyRef: db/password"),
    ],
)
def test_secret_values_are_replaced_and_names_kept(text: str, kept: str) -> None:
    assert Redaction().text(text) == kept


def test_ips_and_emails_only_when_asked() -> None:
    text = "from 10.1.2.3 by ada@example.com"
    assert Redaction().text(text) == text
    assert Redaction(ips=True, emails=True).text(text) == "from [IP] by [EMAIL]"


def test_data_masks_secret_keys_and_env_entries() -> None:
    env = [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "MODE", "value": "prod"}]
    assert Redaction().data({"env": env, "token": "t0k"}) == {
        "env": [{"name": "DB_PASSWORD", "value": "[REDACTED]"}, {"name": "MODE", "value": "prod"}],
        "token": "[REDACTED]",
    }
    assert Redaction(enabled=False).data({"token": "t0k"}) == {"token": "t0k"}
