"""Command lines and image references behave as they would in a real container runtime."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubemedic.sandbox.kubelet.catalog import builtin_catalog
from kubemedic.sandbox.kubelet.images import InvalidImageName, Pulled, PullFailed, parse_reference
from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.kubelet.shell import start_process

CATALOG = builtin_catalog()


def run(
    image: str,
    argv: list[str] | None = None,
    env: dict[str, str] | None = None,
    arch: str = "amd64",
) -> Process:
    ref = parse_reference(image)
    found = CATALOG.lookup(ref)
    assert found is not None
    context = RunContext(
        image=found,
        tag=ref.tag,
        env=dict(env or {}),
        hostname="web-0",
        started_at=datetime(2024, 11, 20, tzinfo=UTC),
    )
    return start_process(
        argv if argv is not None else [*found.entrypoint, *found.cmd], context, node_arch=arch
    )


def lines(process: Process) -> list[str]:
    return [text for _, text in process.lines]


@pytest.mark.parametrize(
    ("image", "shell", "message"),
    [
        ("ubuntu:24.04", "sh", "sh: 1: pyhton: not found"),
        ("ubuntu:24.04", "bash", "bash: line 1: pyhton: command not found"),
        ("busybox:1.36", "sh", "sh: pyhton: not found"),
        ("alpine:3.20", "/bin/sh", "/bin/sh: pyhton: not found"),
    ],
)
def test_unknown_commands_exit_127_with_the_shells_own_words(
    image: str, shell: str, message: str
) -> None:
    process = run(image, [shell, "-c", "echo starting && pyhton app.py"])
    assert (process.exit_code, lines(process)) == (127, ["starting", message])


def test_a_script_runs_in_order_and_ends_with_its_exit_code() -> None:
    process = run("busybox:1.36", ["sh", "-c", "echo one; sleep 5; false || echo two; exit 3"])
    assert process.lines == ((0.0, "one"), (5.0, "two"))
    assert (process.exit_at, process.exit_code) == (5.0, 3)


def test_a_forever_loop_keeps_printing() -> None:
    process = run(
        "busybox:1.36",
        ["sh", "-c", "while true; do echo tick $HOSTNAME; sleep 10; done"],
        {"HOSTNAME": "web-0"},
    )
    assert process.runs_forever
    assert [text for _, text in process.lines_until(35)] == ["tick web-0"] * 4


def test_tail_dev_zero_grows_without_bound_and_sleep_infinity_idles() -> None:
    hog = run("busybox:1.36", ["sh", "-c", "tail /dev/zero"])
    assert hog.runs_forever
    assert hog.usage.memory_growth > 0
    idle = run("debian:12", ["sleep", "infinity"])
    assert idle.runs_forever
    assert idle.usage.memory_growth == 0


def test_images_without_a_command_or_a_shell_fail_to_start() -> None:
    assert (
        run("gcr.io/distroless/static-debian12", ["sh", "-c", "date"]).start_error
        == 'exec: "sh": executable file not found in $PATH'
    )
    assert (
        run("ghcr.io/kubemedic/report-worker:1.0.0", ["/app/run.sh"]).start_error
        == 'exec: "/app/run.sh": permission denied'
    )


def test_a_binary_for_another_architecture_cannot_exec() -> None:
    process = run("ghcr.io/kubemedic/report-worker:1.0.0")
    assert lines(process) == ["exec /app/report-worker: exec format error"]
    assert run("ghcr.io/kubemedic/report-worker:1.0.0", arch="arm64").runs_forever


def test_an_interactive_default_command_exits_zero_at_once() -> None:
    process = run("busybox:1.36")
    assert (process.runs_forever, process.exit_code) == (False, 0)


def test_servers_listen_on_their_real_port_and_answer_404_elsewhere() -> None:
    nginx = run("nginx:1.27")
    listener = nginx.listener(80, age=5)
    assert listener is not None
    assert (listener.status("/", 5), listener.status("/healthz", 5)) == (200, 404)
    assert nginx.listener(8080, age=5) is None


def test_postgres_refuses_to_start_without_a_password() -> None:
    process = run("postgres:16.4")
    assert process.exit_code == 1
    assert (
        lines(process)[0]
        == "Error: Database is uninitialized and superuser password is not specified."
    )
    assert run("postgres:16.4", env={"POSTGRES_PASSWORD": "x"}).listener(5432, age=10) is not None


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("nginx:1.99.1", "docker.io/library/nginx:1.99.1: not found"),
        (
            "ngnix:latest",
            "pull access denied, repository does not exist or may require authorization: server "
            "message: insufficient_scope: authorization failed",
        ),
        (
            "registry.example.com/shop/api:2.4.1",
            "dial tcp: lookup registry.example.com on 127.0.0.53:53: no such host",
        ),
        ("ghcr.io/kubemedic/todo-backend-private:1.2.0", "401 Unauthorized"),
    ],
)
def test_pulls_fail_like_a_registry_would(image: str, fragment: str) -> None:
    result = CATALOG.pull(parse_reference(image), arch="amd64", credentials=())
    assert isinstance(result, PullFailed)
    assert fragment in result.message


def test_a_pull_secret_for_the_registry_opens_a_private_repository() -> None:
    result = CATALOG.pull(
        parse_reference("ghcr.io/kubemedic/todo-backend-private:1.2.0"),
        arch="amd64",
        credentials=("ghcr.io",),
    )
    assert isinstance(result, Pulled)


def test_uppercase_repositories_are_invalid_names() -> None:
    with pytest.raises(InvalidImageName, match="repository name must be lowercase"):
        parse_reference("MyRepo/App:1.0")
    assert parse_reference("nginx").full == "docker.io/library/nginx:latest"
