"""Bad input a new user gives: a clear error naming the file or record, a documented exit code,
and nothing half-written (no record commit, no empty store, no report file)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from tests.unit.cli.conftest import SCENARIOS, Invoke

BINARY = b"\x00\x01\x02\xff\xfe"
ROLLOUT = SCENARIOS / "workload.progress-deadline-no-noise-rollout-in-progress"
DUMP = ("-f", ROLLOUT / "pod.yaml", "-f", ROLLOUT / "events.yaml")
CLOSED_PORT_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
"""


def _binary(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(BINARY)
    return path


def _commits(records: Path) -> list[str]:
    log = subprocess.run(
        ["git", "-C", str(records), "log", "--format=%s"],
        capture_output=True,
        text=True,
        check=True,
    )
    return log.stdout.splitlines()


@pytest.fixture
def report_record(kubemedic: Invoke, tmp_path: Path) -> tuple[Path, str]:
    """A records repository holding one health report record (of a dump, no cluster)."""
    records = tmp_path / "records"
    made = kubemedic(
        "report", "health", *DUMP, "--record", "--records", records, "--out", tmp_path / "r.md"
    )
    assert made.code == 0, made.stderr
    return records, made.stderr.rsplit("recorded ", 1)[1].strip()


def test_a_binary_config_file_is_refused_by_name(kubemedic: Invoke, tmp_path: Path) -> None:
    config = _binary(tmp_path, "config.yaml")
    result = kubemedic("--config", config, "diagnose", *DUMP)
    assert result.code == 2
    assert f"config file {config} is not UTF-8 text (byte 3)" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--token-file", "token file {path} is not UTF-8 text (byte 3)"),
        ("--certificate-authority", "certificate authority file {path} holds no usable PEM"),
    ],
)
def test_a_server_file_that_is_not_what_it_should_be_is_refused_by_name(
    kubemedic: Invoke, tmp_path: Path, option: str, message: str
) -> None:
    path = _binary(tmp_path, "given")
    token = tmp_path / "token"
    token.write_text("abc\n")
    result = kubemedic(
        "--server", "https://127.0.0.1:1", "--token-file", token, option, path, "approvals"
    )
    assert result.code == 2
    assert message.format(path=path) in result.stderr


def test_a_binary_prometheus_token_file_is_refused_by_name(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    token = _binary(tmp_path, "token")
    config = tmp_path / "config.yaml"
    config.write_text(f"prometheus:\n  url: http://127.0.0.1:1\n  token_file: {token}\n")
    result = kubemedic("--config", config, "recommend", "resources", "-n", "shop")
    assert result.code == 2
    assert f"prometheus.token_file {token} is not UTF-8 text" in result.stderr


def test_a_refused_history_file_leaves_no_empty_store_behind(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    store = tmp_path / "metrics.duckdb"
    history = tmp_path / "history.om"
    history.write_text("not: openmetrics\n")
    result = kubemedic("collect", "--import", history, "--store", store)
    assert result.code == 2
    assert f"{history}: no container_cpu_usage_seconds_total" in result.stderr
    assert not store.exists()


def test_a_report_that_cannot_be_written_names_the_path_and_records_nothing(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    records = tmp_path / "records"
    out = tmp_path / "reports"
    out.mkdir()
    result = kubemedic("report", "health", *DUMP, "--record", "--records", records, "--out", out)
    assert result.code == 2
    assert f"{out}: cannot write the report: Is a directory" in result.stderr
    assert not (records / "reports").exists()


@pytest.mark.parametrize(
    "command",
    [
        ("approve",),
        ("reject", "--reason", "no"),
        ("cancel",),
        ("execute",),
        ("validate",),
        ("rollback",),
    ],
)
def test_a_report_id_where_an_operation_is_expected_is_refused(
    kubemedic: Invoke, report_record: tuple[Path, str], command: tuple[str, ...]
) -> None:
    records, report_id = report_record
    before = _commits(records)
    result = kubemedic(command[0], report_id, *command[1:], "--records", records)
    assert result.code == 2, result.stderr
    assert f"{report_id} is a report, not an operation" in result.stderr
    assert _commits(records) == before


def test_a_fix_cannot_claim_a_report_as_its_incident(
    kubemedic: Invoke, report_record: tuple[Path, str], tmp_path: Path
) -> None:
    records, report_id = report_record
    before = _commits(records)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(CLOSED_PORT_KUBECONFIG)
    result = kubemedic(
        "propose", "scale", "deploy/api", "-n", "shop", "--replicas", "3",
        "--incident", report_id, "--records", records, "--kubeconfig", kubeconfig,
    )  # fmt: skip
    assert result.code == 2, result.stderr  # refused before the cluster is asked
    assert f"{report_id} is a report, not an incident" in result.stderr
    assert _commits(records) == before


def test_a_binary_configmap_manifest_is_refused_before_the_cluster_is_asked(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    manifest = _binary(tmp_path, "todo-config.yaml")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(CLOSED_PORT_KUBECONFIG)
    result = kubemedic(
        "propose", "configmap-restore", "cm/todo-config", "-n", "todo", "--from-file", manifest,
        "--records", tmp_path / "records", "--kubeconfig", kubeconfig,
    )  # fmt: skip
    assert result.code == 2
    assert f"{manifest}: not UTF-8 text (byte 3): not a YAML or JSON file" in result.stderr


def test_a_nested_setting_that_is_not_json_names_its_variable(
    kubemedic: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBEMEDIC_LLM", "{base_url: http://llm}")
    result = kubemedic("ask", "why")
    assert result.code == 2
    assert "error: KUBEMEDIC_LLM is not valid JSON: Expecting property name" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "people:\n  - {name: ada, roles: architect}\n",
            "people[0].email from the config file: Field required; "
            "people[0].roles='architect' from the config file: Input should be a valid tuple",
        ),
        (
            "policy:\n  tiers:\n    - {action: scale, tier: extreme}\n",
            "policy.tiers[0].tier='extreme' from the config file",
        ),
        (
            "notifications:\n  webhooks:\n    - url: chat.example.com\n",
            "notifications.webhooks[0].url='chat.example.com' from the config file",
        ),
    ],
)
def test_a_bad_nested_setting_is_named_by_its_path(
    kubemedic: Invoke, tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    result = kubemedic("--config", config, "approvals", "--records", tmp_path / "records")
    assert result.code == 2
    assert f"error: invalid setting {message}" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("rollout", "guard", "deploy/api", "-n", "shop", "--max-error-rate", "150%"),
            "--max-error-rate 150%: must be at most 100%",
        ),
        (
            ("recommend", "resources", "-n", "shop", "--margin", "nan"),
            "--margin nan: not a percentage like 30%",
        ),
    ],
)
def test_a_share_out_of_range_is_refused(
    kubemedic: Invoke, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(CLOSED_PORT_KUBECONFIG)
    result = kubemedic(*args, "--kubeconfig", kubeconfig, "--records", tmp_path / "records")
    assert result.code == 2, result.stderr
    assert message in result.stderr


def test_a_binary_users_file_is_refused_by_name(
    kubemedic: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = _binary(tmp_path, "users.yaml")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    result = kubemedic(
        "user", "add", "bob", "--role", "admin", "--users-file", users, "--password-stdin"
    )
    assert result.code == 2
    assert f"users file {users}: cannot be read (UnicodeDecodeError)" in result.stderr
    assert users.read_bytes() == BINARY


@pytest.mark.parametrize("since", ["99999999d", "1.2.3d", ".s"])
def test_a_duration_too_long_or_malformed_is_refused(
    kubemedic: Invoke, tmp_path: Path, since: str
) -> None:
    result = kubemedic("stats", "--since", since, "--records", tmp_path / "records")
    assert result.code == 2
    assert f"--since {since}: not a duration like 30d" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "Input should be a finite number"),
        ("1e300", "Input should be less than or equal to 86400"),
    ],
)
def test_a_request_timeout_that_is_not_a_sane_number_is_refused(
    kubemedic: Invoke, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("KUBEMEDIC_REQUEST_TIMEOUT", value)
    result = kubemedic("diagnose", *DUMP)
    assert result.code == 2
    assert f"request_timeout='{value}' from KUBEMEDIC_REQUEST_TIMEOUT: {message}" in result.stderr


def test_a_directory_given_for_a_file_is_named_as_one(kubemedic: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    kubeconfig = kubemedic("diagnose", "-n", "shop", "--kubeconfig", folder)
    assert kubeconfig.code == 2
    assert f"kubeconfig {folder} is a directory, not a kubeconfig file" in kubeconfig.stderr
    history = kubemedic("collect", "--import", folder, "--store", tmp_path / "m.duckdb")
    assert history.code == 2
    assert f"{folder}: a directory, not a history file" in history.stderr


@pytest.mark.parametrize("namespace", ["Ops", "ops_team", "-ops", "o" * 64])
def test_a_schedule_namespace_kubectl_would_refuse_is_refused(
    kubemedic: Invoke, namespace: str
) -> None:
    result = kubemedic("schedule", "print", "-n", namespace)
    assert result.code == 2
    assert f"--namespace {namespace!r} is not a namespace name" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("option", ["--settle", "--close-after"])
def test_a_watch_delay_beyond_a_century_is_refused(
    kubemedic: Invoke, tmp_path: Path, option: str
) -> None:
    result = kubemedic("watch", "-n", "shop", option, "1e300", "--records", tmp_path / "records")
    assert result.code == 2
    assert f"{option} 1e+300: more seconds than a century" in result.stderr


def test_serve_refuses_to_start_with_an_unreadable_users_file(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("users: [name: ada\n")  # not YAML: cut off mid-list
    result = kubemedic("serve", "--port", "0", "--users-file", users, "--records", tmp_path / "r")
    assert result.code == 2
    assert f"users file {users}: cannot be read" in result.stderr
    assert "serving on" not in result.stderr
