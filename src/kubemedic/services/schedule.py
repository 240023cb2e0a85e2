"""``schedule print``: the in-cluster schedule (``reports.schedule``) rendered as one YAML
stream with the user's settings, ready for ``kubectl apply -f -``."""

from __future__ import annotations

import yaml

from kubemedic.config import Settings
from kubemedic.reports.schedule import ScheduleValues, manifests


def schedule_values(settings: Settings, *, version: str, namespace: str | None) -> ScheduleValues:
    """The rendering values: the version's image, the settings' Prometheus, the namespace."""
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
