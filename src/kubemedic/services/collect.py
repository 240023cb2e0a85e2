"""Sampling the cluster's usage into the embedded store, once (cron) or in a loop.

Each round reads metrics.k8s.io PodMetrics (CPU and memory per container, dated by the metrics
``timestamp``) and the pods' status (restart counts, last terminations, memory limits), appends
both to the store and drops what is older than the retention. The store opens for each round
and closes after it, so readers (``kubemedic recommend``) get in between; a round that reads the
same metrics window again adds nothing, which is what lets collect be restarted, or run twice,
without duplicates. The loop stops between rounds when asked (SIGTERM, Ctrl-C).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.adapters.metrics_store import LOCK_TIMEOUT, MetricsStore
from kubemedic.errors import (
    ClusterError,
    Forbidden,
    InputError,
    KubemedicError,
    MetricsError,
    StoreCorrupt,
    Unauthorized,
)
from kubemedic.models.samples import Stored, status_samples, usage_samples
from kubemedic.services.workspace import utc_now

STOP_CHECK = 0.25
"""Seconds between looks at the stop flag while waiting (a signal handler only sets it)."""
NEEDS_A_PERSON = (StoreCorrupt, Unauthorized, Forbidden)
"""Failures the next round would meet again: they end the loop."""


@dataclass(frozen=True, slots=True)
class CollectOptions:
    store: Path
    retention: float = 30 * 86400.0
    """Seconds of samples to keep; older ones are deleted on every write."""
    interval: float = 30.0
    namespaces: tuple[str, ...] | None = None
    """Namespaces to sample; None samples them all."""
    context: str | None = None
    kubeconfig: Path | None = None
    request_timeout: float = 10.0
    lock_timeout: float = LOCK_TIMEOUT


@dataclass(frozen=True, slots=True)
class CollectRound:
    """What one write did: when, how many pods were read, what was stored and expired."""

    at: datetime
    pods: int
    stored: Stored
    expired: int


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import added, what the retention then dropped, and what the store holds."""

    stored: Stored
    expired: int
    held: Stored


def collect(
    options: CollectOptions,
    stop: threading.Event,
    *,
    once: bool = False,
    now: Callable[[], datetime] = utc_now,
    on_round: Callable[[CollectRound], None] = lambda done: None,
    on_error: Callable[[KubemedicError], None] = lambda error: None,
) -> int:
    """Connect to the cluster the options name and collect once, or until ``stop``."""
    with ClusterWriter.connect(
        context=options.context, kubeconfig=options.kubeconfig, timeout=options.request_timeout
    ) as cluster:
        if once:
            on_round(collect_once(cluster, options, now=now))
            return 1
        return run_collect(cluster, options, stop, now=now, on_round=on_round, on_error=on_error)


def collect_once(
    cluster: ClusterWriter, options: CollectOptions, *, now: Callable[[], datetime] = utc_now
) -> CollectRound:
    """One round: read PodMetrics and pods, append them to the store, apply the retention."""
    metrics = _pod_metrics(cluster, options.namespaces)
    at = now()
    pods = [pod for scope in _scopes(options.namespaces) for pod in cluster.list("Pod", scope)]
    with MetricsStore.open(options.store, lock_timeout=options.lock_timeout) as store:
        stored = store.append(usage_samples(metrics), status_samples(pods, at))
        expired = store.expire(at - timedelta(seconds=options.retention))
    return CollectRound(at=at, pods=len(pods), stored=stored, expired=expired)


def run_collect(
    cluster: ClusterWriter,
    options: CollectOptions,
    stop: threading.Event,
    *,
    now: Callable[[], datetime] = utc_now,
    on_round: Callable[[CollectRound], None] = lambda done: None,
    on_error: Callable[[KubemedicError], None] = lambda error: None,
) -> int:
    """Collect every ``options.interval`` seconds until ``stop`` is set; returns the rounds
    stored. The first round's failure ends the loop (a wrong setting shows at once); later, an
    API server unreachable or answering with an error, a metrics API not answering or a store
    held by another process are reported to ``on_error`` and tried again at the next round; a
    damaged store and refused credentials or permissions end it."""
    rounds = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            on_round(collect_once(cluster, options, now=now))
            rounds += 1
        except (ClusterError, MetricsError) as exc:
            if rounds == 0 or isinstance(exc, NEEDS_A_PERSON):
                raise
            on_error(exc)
        _wait(stop, started + options.interval)
    return rounds


def import_history(
    source: Path,
    options: CollectOptions,
    *,
    now: Callable[[], datetime] = utc_now,
) -> Imported:
    """Load an OpenMetrics history file (``kubemedic sandbox history``) into the store; a file
    refused leaves no store behind where there was none."""
    created = not options.store.exists()
    try:
        with MetricsStore.open(options.store, lock_timeout=options.lock_timeout) as store:
            stored = store.import_openmetrics(source, options.namespaces)
            expired = store.expire(now() - timedelta(seconds=options.retention))
            return Imported(stored=stored, expired=expired, held=store.summary())
    except InputError:
        if created:
            options.store.unlink(missing_ok=True)
        raise


def _pod_metrics(cluster: ClusterWriter, namespaces: Sequence[str] | None) -> list[Any]:
    found = []
    for scope in _scopes(namespaces):
        metrics = cluster.pod_metrics(scope)
        if metrics is None:
            raise MetricsError(
                "the cluster serves no pod metrics (metrics.k8s.io): metrics-server is not "
                "installed or not answering",
                hint="install metrics-server (minikube addons enable metrics-server), or import "
                "a history with `kubemedic collect --import FILE`",
            )
        found.extend(metrics)
    return found


def _scopes(namespaces: Sequence[str] | None) -> Sequence[str | None]:
    return namespaces if namespaces is not None else (None,)


def _wait(stop: threading.Event, deadline: float) -> None:
    """Until ``deadline`` (monotonic) or ``stop``, in short slices so a stop is seen at once."""
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        stop.wait(min(STOP_CHECK, left))
