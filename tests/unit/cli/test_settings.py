"""Settings: command line over KUBEMEDIC_* over the config file over defaults; bad ones refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubemedic.config import load_settings
from kubemedic.errors import ConfigError
from kubemedic.formatters import OutputFormat
from kubemedic.models.severity import Severity
from tests.unit.cli.conftest import OOMKILLED, Invoke


def _config(home: Path, text: str) -> Path:
    path = home / "kubemedic" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = load_settings()
    assert settings.output is OutputFormat.TEXT
    assert settings.fail_on is None
    assert settings.request_timeout == 10.0
    assert settings.kubeconfig is None


def test_each_source_overrides_the_ones_below_it(
    isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(isolated_settings, "output: markdown\nfail_on: low\ncontext: from-file\n")
    monkeypatch.setenv("KUBEMEDIC_FAIL_ON", "high")
    monkeypatch.setenv("KUBEMEDIC_CONTEXT", "from-env")
    settings = load_settings(context="from-cli", output=None)
    assert settings.output is OutputFormat.MARKDOWN  # file, nothing above it
    assert settings.fail_on is Severity.HIGH  # env over file
    assert settings.context == "from-cli"  # command line over env


def test_none_on_any_level_means_never_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBEMEDIC_FAIL_ON", "high")
    assert load_settings(fail_on="none").fail_on is None


def test_an_explicit_config_file_replaces_the_default_one(
    isolated_settings: Path, tmp_path: Path
) -> None:
    _config(isolated_settings, "output: markdown\n")
    explicit = tmp_path / "team.yaml"
    explicit.write_text("output: json\nkubeconfig: ~/.kube/team\n")
    settings = load_settings(config_file=explicit)
    assert settings.output is OutputFormat.JSON
    assert settings.kubeconfig == Path("~/.kube/team").expanduser()


def test_the_config_file_can_be_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    explicit = tmp_path / "ci.yaml"
    explicit.write_text("fail_on: medium\n")
    monkeypatch.setenv("KUBEMEDIC_CONFIG_FILE", str(explicit))
    assert load_settings().fail_on is Severity.MEDIUM


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("outptu: json\n", "unknown setting outptu"),
        ("config_file: other.yaml\n", "unknown setting config_file"),
        ("- json\n", "expected a mapping of settings, got list"),
        ("output: [json\n", "config.yaml:2: not valid YAML"),
        ("request_timeout: -1\n", "request_timeout=-1 from the config file"),
        (
            "people: [{name: Ada, email: ada@example.com, roles: [architcet]}]\n",
            "people[0].roles=['architcet'] from the config file: unknown role 'architcet' "
            "(did you mean architect?)",
        ),
        (
            "server: {group_roles: {sre: [operator, sre-lead]}}\n",
            "unknown role 'sre-lead'; roles: viewer, operator, architect, security, admin",
        ),
    ],
)
def test_a_bad_config_file_is_refused(isolated_settings: Path, text: str, message: str) -> None:
    _config(isolated_settings, text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


def test_a_missing_explicit_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file .*absent\.yaml does not exist"):
        load_settings(config_file=tmp_path / "absent.yaml")


def test_a_bad_environment_value_names_the_variable(
    kubemedic: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBEMEDIC_FAIL_ON", "urgent")
    result = kubemedic("diagnose", "-f", OOMKILLED)
    assert result.code == 2
    assert result.stderr.startswith(
        "error: invalid setting fail_on='urgent' from KUBEMEDIC_FAIL_ON"
    )
    assert result.stdout == ""


def test_environment_and_config_file_drive_the_command(
    kubemedic: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kubemedic.yaml"
    config.write_text("fail_on: high\n")
    monkeypatch.setenv("KUBEMEDIC_OUTPUT", "json")
    result = kubemedic("--config", config, "diagnose", "-f", OOMKILLED)
    assert result.code == 1
    assert result.stdout.startswith("{")
    overridden = kubemedic("--config", config, "diagnose", "-f", OOMKILLED, "--fail-on", "none")
    assert overridden.code == 0
