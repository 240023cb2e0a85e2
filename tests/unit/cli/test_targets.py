"""``POD`` and ``KIND/NAME`` arguments, spelled as kubectl accepts them."""

from __future__ import annotations

import pytest

from kubemedic.cli.targets import parse_target
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("web-7d9f-x2k4q", "Pod"),
        ("po/web", "Pod"),
        ("pods/web", "Pod"),
        ("deploy/web", "Deployment"),
        ("Deployment/web", "Deployment"),
        ("deployments.apps/web", "Deployment"),
        ("sts/web", "StatefulSet"),
        ("ds/web", "DaemonSet"),
        ("job/web", "Job"),
        ("cronjob/web", "CronJob"),
        ("svc/web", "Service"),
        ("pvc/web", "PersistentVolumeClaim"),
    ],
)
def test_kubectl_spellings_name_the_kind(text: str, kind: str) -> None:
    assert parse_target(text, "shop") == ObjectRef(kind, text.rpartition("/")[2], "shop")


def test_nodes_have_no_namespace() -> None:
    assert parse_target("node/worker-1", "shop") == ObjectRef("Node", "worker-1", "")


def test_the_namespace_stays_open_until_the_view_is_read() -> None:
    assert parse_target("deploy/web", None) == ObjectRef("Deployment", "web", "")


@pytest.mark.parametrize("text", ["frobs/web", "deploy/", "/"])
def test_unusable_targets_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match=r"unknown kind|no object name"):
        parse_target(text, None)
