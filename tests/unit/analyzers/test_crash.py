"""Crash classification: the strongest signal names the category, with this cluster's values."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.analyzers._crash import classify_crash, foreground_hint, typo_fix
from kubemedic.analyzers._dependency import service_of
from kubemedic.analyzers._exit_codes import exit_meaning, ran_for
from kubemedic.analyzers._probes import port_mismatch
from kubemedic.models.categories import Category
from kubemedic.models.k8s import ContainerSpec, TerminatedState

RUNC = (
    "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
    "runc create failed: unable to start container process: "
)


def _spec(**fields: Any) -> ContainerSpec:
    return ContainerSpec({"name": "app", "image": "ghcr.io/acme/app:1.0", **fields})


def _term(code: int, reason: str = "Error", message: str = "", ran: int = 3) -> TerminatedState:
    raw: dict[str, Any] = {
        "exitCode": code,
        "reason": reason,
        "startedAt": "2024-05-01T10:00:00Z",
        "finishedAt": f"2024-05-01T10:00:{ran:02d}Z",
    }
    if message:
        raw["message"] = message
    return TerminatedState(raw)


@pytest.mark.parametrize(
    ("term", "log", "category", "subject"),
    [
        pytest.param(
            _term(128, "StartError", RUNC + 'exec: "pyhton": executable file not found in $PATH'),
            (),
            Category.CRASHLOOP_COMMAND_NOT_FOUND,
            "pyhton",
            id="runtime-message-names-the-command",
        ),
        pytest.param(
            _term(128, "StartError", RUNC + 'exec: "/app/start.sh": permission denied: unknown'),
            (),
            Category.CRASHLOOP_PERMISSION_DENIED,
            "/app/start.sh",
            id="runtime-permission-denied",
        ),
        pytest.param(
            _term(127),
            ("/bin/sh: 1: gunicron: not found",),
            Category.CRASHLOOP_COMMAND_NOT_FOUND,
            "gunicron",
            id="exit-127-with-shell-line",
        ),
        pytest.param(
            _term(126),
            (),
            Category.CRASHLOOP_PERMISSION_DENIED,
            "/entrypoint.sh",
            id="exit-126-without-log-names-the-command",
        ),
        pytest.param(
            _term(255),
            ("exec /bin/node_exporter: exec format error",),
            Category.CRASHLOOP_EXEC_FORMAT,
            "/bin/node_exporter",
            id="log-exec-format",
        ),
        pytest.param(
            _term(0, "Completed"),
            ("done",),
            Category.CRASHLOOP_COMPLETED_EXITS_ZERO,
            "/entrypoint.sh",
            id="exit-0-under-always",
        ),
        pytest.param(
            _term(0, "Completed"),
            ("Environment variable DEPLOY_ENV is undefined",),
            Category.CRASHLOOP_APP_ERROR,
            "DEPLOY_ENV",
            id="exit-0-with-a-missing-variable-is-the-variable",
        ),
        pytest.param(
            _term(0, "Completed"),
            ("dial tcp 10.96.0.12:5432: connect: connection refused",),
            Category.CRASHLOOP_APP_ERROR,
            "10.96.0.12:5432",
            id="exit-0-after-a-refused-connection",
        ),
        pytest.param(
            _term(0, "Completed"),
            ("WARN could not push metrics to the gateway, skipping", "backup complete"),
            Category.CRASHLOOP_COMPLETED_EXITS_ZERO,
            "/entrypoint.sh",
            id="exit-0-with-a-mere-mention-of-errors",
        ),
        pytest.param(
            _term(1),
            ("Traceback (most recent call last):", "KeyError: 'SECRET_KEY'"),
            Category.CRASHLOOP_APP_ERROR,
            "SECRET_KEY",
            id="app-error-names-the-variable",
        ),
    ],
)
def test_category_from_the_strongest_signal(
    term: TerminatedState, log: tuple[str, ...], category: Category, subject: str
) -> None:
    crash = classify_crash(_spec(command=["/entrypoint.sh"]), term, log=log)
    assert crash.category is category
    assert crash.subject == subject


def test_runtime_message_beats_the_log() -> None:
    term = _term(128, "StartError", RUNC + 'exec: "/app/run": permission denied: unknown')
    crash = classify_crash(_spec(), term, log=("/bin/sh: 1: foo: not found",))
    assert crash.category is Category.CRASHLOOP_PERMISSION_DENIED


def test_exit_zero_after_a_decisive_line_explains_the_line_not_the_exit() -> None:
    log = ("Environment variable DEPLOY_ENV is undefined",)
    crash = classify_crash(_spec(), _term(0, "Completed", ran=0), log=log)
    assert "DEPLOY_ENV it requires is not set" in crash.explanation
    assert "yet exits 0" in crash.explanation
    assert "finished successfully" not in crash.explanation


def test_exit_zero_is_no_crash_loop_for_restart_policy_never() -> None:
    crash = classify_crash(_spec(), _term(0, "Completed"), restart_policy="Never")
    assert crash.category is Category.CRASHLOOP_APP_ERROR


def test_termination_message_stands_in_for_a_missing_log() -> None:
    term = _term(1, message="Error: Cannot find module 'express'\nRequire stack:\n- /app/a.js")
    crash = classify_crash(_spec(), term)
    assert crash.signature is not None
    assert crash.signature.subject == "express"
    assert "node cannot load express" in crash.explanation


def test_explanation_quotes_values_and_run_time() -> None:
    crash = classify_crash(_spec(), _term(1, ran=2), log=("KeyError: 'DATABASE_URL'",))
    assert "DATABASE_URL" in crash.explanation
    assert "died 2s after starting" in crash.explanation
    assert crash.headline == "exit 1 — KeyError: 'DATABASE_URL'"


def test_a_runtime_that_never_started_the_process_has_no_run_time() -> None:
    term = TerminatedState(
        {
            "exitCode": 128,
            "reason": "StartError",
            "startedAt": "1970-01-01T00:00:00Z",
            "finishedAt": "2024-05-01T10:00:00Z",
        }
    )
    assert ran_for(term) is None
    assert "ran" not in classify_crash(_spec(), term).explanation


@pytest.mark.parametrize(
    ("code", "reason", "says"),
    [
        (137, "Error", "SIGKILL"),
        (139, "Error", "SIGSEGV"),
        (143, "Error", "SIGTERM"),
        (134, "Error", "heap exhaustion"),
        (128, "StartError", "could not start the process"),
        (127, "Error", "command was not found"),
        (3, "Error", "chosen by the application"),
    ],
)
def test_exit_meaning(code: int, reason: str, says: str) -> None:
    assert says in exit_meaning(code, reason)


@pytest.mark.parametrize(
    ("command", "advice"),
    [
        ("nginx", "daemon off;"),
        ("redis-server /etc/redis.conf --daemonize yes", "--daemonize no"),
        ("sh -c ./server &", "trailing &"),
    ],
)
def test_foreground_hint(command: str, advice: str) -> None:
    hint = foreground_hint(command)
    assert hint is not None
    assert advice in hint[0]


def test_foreground_server_needs_no_hint() -> None:
    assert foreground_hint("nginx -g daemon off;") is None


def test_typo_fix() -> None:
    assert typo_fix("pyhton") == "python"
    assert typo_fix("/usr/local/bin/gunicron") == "gunicorn"
    assert typo_fix("my-custom-tool") is None


@pytest.mark.parametrize(
    ("host", "service"),
    [
        ("postgres:5432", ("shop", "postgres")),
        ("postgres.data", ("data", "postgres")),
        ("postgres.data.svc.cluster.local:5432", ("data", "postgres")),
        ("10.96.12.4:6379", None),
        ("db.example.com", None),
    ],
)
def test_service_of(host: str, service: tuple[str, str] | None) -> None:
    assert service_of(host, "shop") == service


def test_probe_port_is_compared_with_declared_ports() -> None:
    spec = _spec(
        ports=[{"name": "http", "containerPort": 80}],
        livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}},
    )
    probe = spec.probe("liveness")
    assert probe is not None
    mismatch = port_mismatch(spec, probe)
    assert mismatch is not None
    assert mismatch.suggested == 80


def test_named_probe_port_that_exists_matches() -> None:
    spec = _spec(
        ports=[{"name": "http", "containerPort": 8080}],
        readinessProbe={"httpGet": {"path": "/ready", "port": "http"}},
    )
    probe = spec.probe("readiness")
    assert probe is not None
    assert port_mismatch(spec, probe) is None
