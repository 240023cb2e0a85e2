"""``schedule print``: the in-cluster schedule (``reports.schedule``) rendered as one YAML
stream with the user's settings, ready for ``kubectl apply -f -``."""

from __future__ import annotations

import re

import yaml

from kubemedic.config import Settings
from kubemedic.errors import InputError
from kubemedic.reports.schedule import ScheduleValues, manifests

_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
"""A Kubernetes namespace name (an RFC 1123 label): what ``kubectl apply`` would accept."""


def schedule_values(settings: Settings, *, version: str, namespace: str | None) -> ScheduleValues:
    """The rendering values: the version's image, the settings' Prometheus, the namespace."""
    if namespace and not _NAMESPACE.fullmatch(namespace):
        raise InputError(
            f"--namespace {namespace!r} is not a namespace name: at most 63 lowercase letters, "
            "digits and '-', starting and ending with a letter or digit"
        )
    if namespace:
        return ScheduleValues(version, namespace, settings.prometheus.url)
    return ScheduleValues(version, prometheus_url=settings.prometheus.url)


def render(values: ScheduleValues) -> str:
    """Every object, in ``deploy/``'s order, as a YAML stream."""
    objects = [obj for part in manifests(values).values() for obj in part]
    return yaml.safe_dump_all(objects, sort_keys=False, width=100)


def render_files(values: ScheduleValues) -> dict[str, str]:
    """``deploy/``'s part files (``deploy/kustomization.yaml`` lists them), one stream each."""
    return {
        name: yaml.safe_dump_all(list(objects), sort_keys=False, width=100)
        for name, objects in manifests(values).items()
    }
