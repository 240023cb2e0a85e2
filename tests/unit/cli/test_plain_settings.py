"""A diagnosis that sets nothing below the command line reads its settings without pydantic,
and gets exactly what the settings model would give it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubemedic.cli.diagnose import FailOn
from kubemedic.config import Settings, load_settings
from kubemedic.formatters import OutputFormat
from kubemedic.plain_settings import SETTING_NAMES, DiagnoseSettings, diagnose_settings
from tests.unit.cli.conftest import OOMKILLED, Invoke

_NOTHING: dict[str, Any] = {
    "config_file": None,
    "output": None,
    "fail_on": None,
    "context": None,
    "kubeconfig": None,
    "request_timeout": None,
}


def test_every_setting_of_the_model_is_known_without_it() -> None:
    assert set(Settings.model_fields) == SETTING_NAMES


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"output": OutputFormat.JSON, "fail_on": FailOn.HIGH, "request_timeout": 2.5},
        {"fail_on": FailOn.NONE, "context": "kind-dev", "kubeconfig": Path("~/kube/config")},
    ],
)
def test_the_command_line_alone_gives_what_the_model_gives(given: dict[str, Any]) -> None:
    plain = diagnose_settings(**{**_NOTHING, **given})
    model = load_settings(**given)
    assert plain == DiagnoseSettings(
        model.output, model.fail_on, model.context, model.kubeconfig, model.request_timeout
    )


def test_a_variable_or_a_config_file_leaves_the_settings_to_the_model(
    isolated_settings: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert diagnose_settings(**{**_NOTHING, "config_file": tmp_path / "c.yaml"}) is None
    monkeypatch.setenv("kubemedic_output", "json")
    assert diagnose_settings(**_NOTHING) is None
    monkeypatch.delenv("kubemedic_output")
    (isolated_settings / "kubemedic").mkdir(parents=True)
    (isolated_settings / "kubemedic" / "config.yaml").write_text("output: json\n")
    assert diagnose_settings(**_NOTHING) is None


def test_a_value_the_model_refuses_is_refused_in_its_words(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", OOMKILLED, "--request-timeout", "0")
    assert result.code == 2
    assert "request_timeout=0.0 from the command line" in result.stderr
