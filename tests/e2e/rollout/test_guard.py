"""``kubemedic rollout guard`` end to end on the sandbox: the bad release halted and undone
with its records, a healthy one completed, a crash-looping one halted without Prometheus,
missing metrics holding the rollout for a person, a Prometheus that dies mid-window, and
``--propose-only``. The backend runs 2 replicas (maxSurge 1, maxUnavailable 0), so the guard
holds it at its first new replica; traffic comes from a real Prometheus scraping the sandbox."""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
from collections.abc import Callable

import pytest

from kubemedic.errors import EXIT_CLUSTER, EXIT_METRICS
from tests.e2e.rollout.conftest import GUARD, HEALTHY, SEEDED, Guarded, Receiver
from tests.support.prometheus_server import Scraper

pytestmark = pytest.mark.e2e


def _id(label: str, out: str) -> str:
    found = re.search(rf"^{label}: (OP-\S+)$", out, re.MULTILINE)
    assert found, out
    return found.group(1)


HELM = {
    "app.kubernetes.io/managed-by": "Helm",
    "meta.helm.sh/release-name": "todo",
    "meta.helm.sh/release-namespace": "todo",
}


def _helm_managed(guarded: Guarded) -> None:
    """Label the backend as Helm does, with two revisions of its release."""
    for key, value in HELM.items():
        verb = "label" if key.startswith("app.") else "annotate"
        guarded.sandbox.kubectl(verb, "deploy/backend", "-n", "todo", f"{key}={value}")
    for version, status in ((1, "superseded"), (2, "deployed")):
        name = f"sh.helm.release.v1.todo.v{version}"
        guarded.sandbox.kubectl("create", "secret", "generic", name, "-n", "todo")
        labels = ("owner=helm", "name=todo", f"version={version}", f"status={status}")
        guarded.sandbox.kubectl("label", "secret", name, "-n", "todo", *labels)


@pytest.mark.slow
def test_the_bad_rollout_is_halted_undone_and_recorded(
    guarded: Guarded, prometheus: Scraper, receiver: Receiver
) -> None:
    guarded.settings(
        notifications={"webhooks": [{"url": receiver.url, "events": ["rollout.halted"]}]}
    )
    _helm_managed(guarded)
    done = guarded.guard(
        "--window",
        "30s",
        "--min-requests",
        "10",
        "--on-failure",
        "undo",
        "--prometheus",
        prometheus.url,
        "--",
        *guarded.break_command("bad-rollout"),
    )
    assert done.code == 1, done.out + done.err
    assert re.search(r"^halted at 1/2 new replicas: error rate 2\d\.\d% > 5% ", done.out, re.M)
    assert re.search(
        r"^  - pod backend-\S+: \d+ of \d+ requests failed \(2\d\.\d%\)$", done.out, re.M
    )
    halt, hold = _id("halted by", done.out), _id("held by", done.out)

    record = guarded.record(halt)
    assert record["state"] == "validated"
    assert record["header"]["action"]["type"] == "undo"
    assert record["header"]["tier"] == "trivial"
    note = guarded.note(halt)
    assert note["outcome"] == "halted"
    assert note["hold"] == hold
    assert note["command"][-1] == "bad-rollout"
    assert note["judged_on"].startswith("pod signals and Prometheus at http://127.0.0.1:")
    assert guarded.note(hold)["halt"] == halt
    assert note["helm"] == {
        "release": "todo",
        "namespace": "todo",
        "revision": 2,
        "previous": 1,
        "rollback": "helm rollback todo 1 -n todo",
    }
    assert "warning: deployment is managed by Helm release todo: a kubectl-level undo" in done.out
    assert [(r["event"], r["record"]) for r in receiver.received] == [("rollout.halted", halt)]

    assert guarded.image() == SEEDED
    assert not guarded.backend()["spec"].get("paused")
    (event,) = guarded.events("RolloutHalted")
    assert event["type"] == "Warning"
    assert halt in event["message"]
    assert guarded.cli("records", "audit").code == 0


@pytest.mark.slow
def test_a_healthy_release_completes_under_its_operation(
    guarded: Guarded, prometheus: Scraper
) -> None:
    proposed = guarded.cli(
        "propose", "set-image", "deploy/backend", "-n", "todo", f"backend={HEALTHY}"
    )
    operation = proposed.out.splitlines()[0]
    done = guarded.guard(
        "--window",
        "8s",
        "--min-requests",
        "10",
        "--prometheus",
        prometheus.url,
        "--execute",
        operation,
    )
    assert done.code == 0, done.out + done.err
    assert re.search(
        r"^completed: 2/2 replicas run revision 2; error rate 0\.0% ≤ 5% over \d+ requests",
        done.out,
        re.M,
    )
    note = guarded.note(operation)
    assert (note["outcome"], note["started_by"]) == ("completed", operation)
    assert guarded.record(note["hold"])["state"] == "rolled-back"
    status = guarded.backend()
    assert guarded.image() == HEALTHY
    assert not status["spec"].get("paused")
    assert status["status"]["updatedReplicas"] == status["status"]["availableReplicas"] == 2


@pytest.mark.slow
def test_a_crash_looping_image_is_halted_on_pod_signals_alone(guarded: Guarded) -> None:
    done = guarded.guard("--window", "1m", "--set-image", "backend=busybox:1.36")
    assert done.code == 1, done.out + done.err
    assert re.search(
        r"^halted at 1/2 new replicas: "
        r"pod backend-\S+ container backend: (restarted|CrashLoopBackOff)",
        done.out,
        re.M,
    )
    note = guarded.note(_id("started by", done.out))
    assert note["judged_on"] == "pod signals (no Prometheus configured)"
    status = guarded.backend()
    assert status["spec"]["paused"] is True
    assert guarded.image() == "busybox:1.36"
    guarded.sandbox.wait_for(
        lambda: guarded.backend()["status"].get("availableReplicas") == 2,
        what="the old pods to keep serving",
    )


@pytest.mark.slow
def test_a_window_without_the_metric_holds_the_rollout_for_a_person(
    guarded: Guarded, prometheus: Scraper
) -> None:
    done = guarded.guard(
        "--window",
        "8s",
        "--prometheus",
        prometheus.url,
        "--requests-metric",
        "checkout_requests_total",
        "--on-failure",
        "undo",
        "--set-image",
        f"backend={HEALTHY}",
    )
    assert done.code == 1, done.out + done.err
    assert (
        "held at 1/2 new replicas: no data: Prometheus has no checkout_requests_total" in done.out
    )
    assert guarded.backend()["spec"]["paused"] is True  # held, never undone: nothing showed harm
    assert guarded.image() == HEALTHY


@pytest.mark.slow
def test_prometheus_stopping_mid_window_leaves_the_pod_signals_to_judge(
    guarded: Guarded, prometheus: Scraper
) -> None:
    threading.Timer(3.0, prometheus.stop).start()
    done = guarded.guard(
        "--window",
        "8s",
        "--min-requests",
        "10",
        "--prometheus",
        prometheus.url,
        "--set-image",
        f"backend={HEALTHY}",
    )
    assert done.code == 0, done.out + done.err
    assert "Prometheus stopped answering (cannot reach Prometheus at http://127.0.0.1:" in done.out
    assert "judged on pod signals only" in done.out
    note = guarded.note(_id("started by", done.out))
    assert note["judged_on"].endswith("(pod signals alone while it did not answer)")


@pytest.mark.slow
def test_propose_only_proposes_the_halt_and_holds_nothing(guarded: Guarded) -> None:
    done = guarded.guard(
        "--window",
        "1m",
        "--propose-only",
        "--on-failure",
        "undo",
        "--set-image",
        "backend=busybox:1.36",
    )
    assert done.code == 1, done.out + done.err
    proposal = guarded.record(_id("proposed as", done.out))
    assert proposal["state"] == "pending-approval"
    assert proposal["header"]["action"]["type"] == "undo"
    assert not guarded.backend()["spec"].get("paused")
    assert "held by" not in done.out


def test_a_missing_deployment_is_a_cluster_error(guarded: Guarded) -> None:
    done = guarded.cli("rollout", "guard", "deploy/nothing", "-n", "todo")
    assert done.code == EXIT_CLUSTER
    assert "nothing" in done.err


def test_a_prometheus_that_does_not_answer_stops_the_guard_before_anything(
    guarded: Guarded,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    done = guarded.cli(
        *GUARD, "--prometheus", f"http://127.0.0.1:{port}", "--set-image", f"backend={HEALTHY}"
    )
    assert done.code == EXIT_METRICS
    assert "cannot reach Prometheus" in done.err
    assert guarded.image() == SEEDED


def _when_held(guarded: Guarded, then: Callable[[], object]) -> threading.Thread:
    """Run ``then`` in the background once the guard holds the rollout."""

    def wait_and_act() -> None:
        guarded.sandbox.wait_for(
            lambda: guarded.backend()["spec"].get("paused"), timeout=60, what="the hold"
        )
        then()

    acting = threading.Thread(target=wait_and_act, daemon=True)
    acting.start()
    return acting


@pytest.mark.slow
def test_ctrl_c_releases_the_hold_and_leaves_the_rollout_as_it_was(guarded: Guarded) -> None:
    acting = _when_held(guarded, lambda: os.kill(os.getpid(), signal.SIGINT))
    done = guarded.guard("--window", "1m", "--set-image", f"backend={HEALTHY}")
    acting.join(timeout=10)
    assert done.code == 130, done.out + done.err
    assert "stopped by the user (its hold released)" in done.out.splitlines()
    hold = _id("held by", done.out)
    assert guarded.record(hold)["state"] == "rolled-back"
    assert guarded.note(hold)["outcome"] == "interrupted"
    assert not guarded.backend()["spec"].get("paused")


@pytest.mark.slow
def test_someone_elses_change_supersedes_the_guarded_rollout(guarded: Guarded) -> None:
    other = "ghcr.io/kubemedic/todo-backend:1.0.0"
    acting = _when_held(
        guarded,
        lambda: guarded.sandbox.kubectl(
            "set", "image", "deploy/backend", f"backend={other}", "-n", "todo"
        ),
    )
    done = guarded.guard("--window", "1m", "--set-image", f"backend={HEALTHY}")
    acting.join(timeout=10)
    assert done.code == 1, done.out + done.err
    assert "someone else changed Deployment todo/backend to" in done.out
    assert guarded.record(_id("held by", done.out))["state"] == "rolled-back"
    assert not guarded.backend()["spec"].get("paused")
    assert guarded.image() == other
