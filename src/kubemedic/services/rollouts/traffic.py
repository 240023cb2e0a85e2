"""The new pods' traffic as Prometheus sees it: three queries a round, whatever the pod count.

Requests and 5xx answers per new pod (``sum by (pod, code) (increase(...))``), the new pods' p95
latency and the old pods' over the same range (``histogram_quantile(0.95, ...)``). New pods are
selected by name — ``<deployment>-<pod-template-hash>-<suffix>``, so a pod that crashed and was
replaced still counts — and old pods by the names the API lists now. Labels ``namespace`` and
``pod`` are the ones Kubernetes service discovery sets by convention.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kubemedic.adapters.prometheus.client import PrometheusClient
from kubemedic.errors import MetricsError
from kubemedic.models.k8s import KObject
from kubemedic.rollouts.judging import MetricCheck, Traffic, judge_traffic, unavailable
from kubemedic.rollouts.settings import GuardSettings
from kubemedic.services.rollouts.cluster import Look

QUANTILE = 0.95


@dataclass(frozen=True, slots=True)
class PrometheusAccess:
    """Where the guard reads traffic: a Prometheus-compatible URL and its credentials."""

    url: str
    token: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 60.0
    verify_tls: bool = True

    def client(self, interval: float) -> PrometheusClient:
        """A client whose queries give up before they would delay the next round much."""
        return PrometheusClient(
            self.url,
            token=self.token,
            headers=self.headers,
            timeout=min(self.timeout, max(2 * interval, 2.0)),
            verify_tls=self.verify_tls,
        )


def probe(client: PrometheusClient, at: datetime) -> None:
    """Ask once before anything starts, so a wrong URL or token fails early (MetricsError)."""
    client.query("vector(1)", at=at, purpose="a first query (is this Prometheus answering?)")


def judge_round(
    client: PrometheusClient,
    settings: GuardSettings,
    current: Look,
    *,
    template_hash: str,
    baseline: float | None,
    shown_seconds: float,
    at: datetime,
) -> MetricCheck:
    """One round: the new pods' traffic judged, or *unavailable* when Prometheus fails."""
    ref = KObject(current.deployment)
    old = [
        KObject(p).name
        for p in current.other_pods(template_hash)
        if not KObject(p).deletion_timestamp
    ]
    try:
        traffic = read_traffic(
            client,
            settings,
            namespace=ref.namespace,
            new_pods_prefix=f"{ref.name}-{template_hash}-",
            old_pods=old,
            shown_seconds=shown_seconds,
            at=at,
        )
    except MetricsError as exc:
        return unavailable(exc.message)
    return judge_traffic(traffic, settings.thresholds, settings.requests_metric, baseline=baseline)


def read_traffic(
    client: PrometheusClient,
    settings: GuardSettings,
    *,
    namespace: str,
    new_pods_prefix: str,
    old_pods: Sequence[str],
    shown_seconds: float,
    at: datetime,
) -> Traffic:
    """The new pods' requests, 5xx answers and p95 over the last window (MetricsError when
    Prometheus does not answer)."""
    span = f"[{math.ceil(settings.window)}s]"
    new = f'namespace="{_text(namespace)}",pod=~"{_text(re.escape(new_pods_prefix))}[a-z0-9]+"'
    label = settings.status_label
    answered = client.query(
        f"sum by (pod, {label}) (increase({settings.requests_metric}{{{new}}}{span}))",
        at=at,
        purpose="requests to the new pods",
    )
    by_pod: dict[str, tuple[float, float]] = {}
    for sample in answered:
        if math.isnan(sample.value):
            continue
        pod = sample.labels.get("pod", "")
        requests, errors = by_pod.get(pod, (0.0, 0.0))
        failed = sample.value if str(sample.labels.get(label, "")).startswith("5") else 0.0
        by_pod[pod] = (requests + sample.value, errors + failed)
    p95 = _p95(client, settings, new, span, at, "the new pods' p95 latency")
    baseline = None
    if old_pods:
        names = "|".join(re.escape(name) for name in sorted(old_pods))
        old = f'namespace="{_text(namespace)}",pod=~"{_text(names)}"'
        baseline = _p95(client, settings, old, span, at, "the old pods' p95 latency")
    return Traffic(
        seconds=shown_seconds,
        requests=sum(r for r, _ in by_pod.values()) if by_pod else None,
        errors=sum(e for _, e in by_pod.values()),
        by_pod=by_pod,
        p95=p95,
        baseline_p95=baseline,
    )


def _p95(
    client: PrometheusClient,
    settings: GuardSettings,
    selector: str,
    span: str,
    at: datetime,
    purpose: str,
) -> float | None:
    bucket = f"{settings.latency_metric}_bucket{{{selector}}}{span}"
    answered = client.query(
        f"histogram_quantile({QUANTILE}, sum by (le) (rate({bucket})))", at=at, purpose=purpose
    )
    values = [s.value for s in answered if math.isfinite(s.value)]
    return values[0] if values else None


def _text(value: str) -> str:
    """``value`` inside a PromQL double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
