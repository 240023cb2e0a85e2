"""Replicas that fail alike are analyzed once: the first one's finding stands for the rest.

The diagnose service folds the findings of a workload's replicas into the first of them
(``fold_replicas``), keeping from the others only their pods, the worse severity and the wider
time window. Building each replica's complete finding anyway (log lookups, evidence, commands)
cost a workload of 100,000 crash-looping replicas a third of a millisecond per replica. So an
analyzer asks :class:`SameFailures` first: a pod whose failure reads the same as an analyzed one
of its workload gets that finding, naming its own pod and the window of its own events.

"Reads the same" is the :func:`failure_signature`: the pod's spec, labels and status, its
events (type, reason, message, container) in order, and the log tails of the containers
concerned, once the pod's own name and uid, its node's name, times, container ids and restart
counts are set aside. An analyzer may reuse a finding only when, beyond the signature and the
facts it adds itself (``extra``: its node's architecture, the state of a claim it names), the
finding's id, category and severity do not depend on anything else, and the pod's times reach
only its text (and its time window, which is redone per pod); decisions that hang on times —
how old a restart is, whether an event fell within an instance's life — stay per pod, before
asking. A replica that reads the same as an analyzed one with its times and counts too (its
status times, restart counts, creation, and its events' counts and times) gets the same answers
from those checks as well: :meth:`SameFailures.replica` takes it in as a twin of that pod,
named in its findings without asking them again, which is what keeps a workload of 100,000
crash-looping replicas linear at a small cost per replica.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from kubemedic.analyzers._build import finding_window
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.k8s import Event, Pod

_NOTHING: Mapping[str, Any] = {}

_VOLATILE = re.compile(
    r'"(?:'
    r"startedAt|finishedAt|lastTransitionTime|lastProbeTime|startTime"  # when it happened
    r"|containerID|hostIP|podIP|ip|nodeName"  # which instance, where it happens to run
    r"|restartCount"  # how often so far
    r')":(?:"[^"]*"|[-+.\w]+),?'
)
"""The fields of a pod's JSON that differ between replicas failing alike, with their values."""
_LOG_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
"""A log line's own time stamp (ISO 8601, or a time of day)."""
_ADDRESSES = frozenset({"hostIP", "hostIPs", "podIP", "podIPs"})
_STATUS_GROUPS = ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses")


def _without_instance(status: object) -> object:
    """A pod's status less what names the instance rather than when or how often it failed:
    the pod's and node's addresses and the container ids (a shallow copy: the view is not
    changed)."""
    if not isinstance(status, dict):
        return status
    kept = {key: value for key, value in status.items() if key not in _ADDRESSES}
    for group in _STATUS_GROUPS:
        statuses = kept.get(group)
        if isinstance(statuses, list):
            kept[group] = [
                {key: value for key, value in each.items() if key != "containerID"}
                if isinstance(each, dict)
                else each
                for each in statuses
            ]
    return kept


def failure_signature(
    view: ClusterView, pod: Pod, containers: Sequence[str], extra: Hashable = None
) -> Hashable:
    """What a pod's failure reads like, the same for each replica of its workload that fails
    alike (see the module's docstring); ``extra`` adds what the analyzer reads beyond the pod
    (such as its node's architecture)."""
    return _signature(view, pod, containers, extra, timed=False)


def _signature(
    view: ClusterView, pod: Pod, containers: Sequence[str], extra: Hashable, *, timed: bool
) -> Hashable:
    """:func:`failure_signature`; ``timed``, with the times and counts of the pod's status
    and events kept (then ``extra`` must hold its creation time)."""
    raw = pod.raw
    meta = raw.get("metadata") or _NOTHING
    identity = _Identity(meta, raw.get("spec") or _NOTHING)
    labels, spec, status = meta.get("labels"), raw.get("spec"), raw.get("status")
    if timed:  # the node's name is blanked below, its addresses and the container ids dropped
        text = identity.blank(_json((labels, spec, _without_instance(status))))
    else:  # the spec's nodeName goes with the volatile fields
        text = identity.blank(_VOLATILE.sub("", _json((labels, spec, status))))
    events = tuple(
        (*_event_signature(e.raw, identity), *((_event_times(e.raw),) if timed else ()))
        for e in view.events_for(pod)
    )
    logs = tuple(
        (tail.previous, tuple(identity.blank(_LOG_TIME.sub("", line)) for line in tail.lines))
        for name in containers
        for tail in view.log_tails(pod.namespace, pod.name, name)
    )
    return (view.workload_of(pod), tuple(containers), text, events, logs, extra)


class SameFailures:
    """The findings of one analyzer run by failure signature: one analysis per kind of failure
    of a workload, however many replicas share it."""

    def __init__(self, view: ClusterView) -> None:
        self._view = view
        self._found: dict[Hashable, Finding | None] = {}
        self._classes: dict[Hashable, tuple[tuple[Finding, ...], list[Pod]]] = {}

    def replica(
        self,
        pod: Pod,
        containers: Sequence[str],
        analyze: Callable[[], Iterable[Finding]],
        *,
        extra: Hashable = None,
    ) -> None:
        """Take a pod in: ``analyze()`` (all the findings of a pod) runs for the first pod
        that reads like this one with its times and counts as well; the next ones are its
        twins, named in those findings (see :meth:`findings`).

        Every check ``analyze`` makes, those that hang on times included, reads the same of
        twins (see the module's docstring), and so does the time window of each finding.
        """
        created = (pod.raw.get("metadata") or _NOTHING).get("creationTimestamp")
        key = _signature(self._view, pod, containers, (extra, created), timed=True)
        taken = self._classes.get(key)
        if taken is None:
            self._classes[key] = (tuple(analyze()), [])
        else:
            taken[1].append(pod)

    def findings(self) -> Iterator[Finding]:
        """The findings of every pod taken in, in the order the pods came: a finding of a pod
        with twins names them too, as folding the finding of each would (same window and
        severity: their times are alike)."""
        view = self._view
        for found, twins in self._classes.values():
            for finding in found:
                if not twins:
                    yield finding
                    continue
                named = tuple(
                    view.affected_pod(twin, pod.containers)
                    for twin in twins
                    for pod in finding.affected
                )
                yield replace(finding, affected=finding.affected + named)

    def finding(
        self,
        pod: Pod,
        containers: Sequence[str],
        events: Sequence[Event],
        analyze: Callable[[], Finding | None],
        *,
        extra: Hashable = None,
    ) -> Finding | None:
        """``analyze()`` for the first pod of its signature; for the next ones, that finding on
        their own pod (severity included: the signature holds what decides it), over the time
        window of their own ``events`` (as ``pod_finding`` sets it)."""
        key = failure_signature(self._view, pod, containers, extra)
        if key not in self._found:
            self._found[key] = analyze()
            return self._found[key]
        first = self._found[key]
        if first is None:
            return None
        first_seen, last_seen = finding_window(pod, events)
        return replace(
            first,
            affected=(self._view.affected_pod(pod, containers),),
            first_seen=first_seen,
            last_seen=last_seen,
        )


class _Identity:
    """The words that name one replica rather than its failure: its name, uid and node, and
    the service account token volume the API server names for each pod (``kube-api-access-``
    and five random characters)."""

    def __init__(self, meta: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
        named = [
            (meta.get("uid"), "\x00uid"),
            (meta.get("name"), "\x00pod"),
            (spec.get("nodeName"), "\x00node"),
        ]
        volumes = spec.get("volumes")
        if isinstance(volumes, list):
            named += ((name, "\x00token") for name in _token_volumes(volumes))
        self._words = tuple((word, mark) for word, mark in named if word and isinstance(word, str))

    def blank(self, text: str) -> str:
        for word, mark in self._words:
            text = text.replace(word, mark)
        return text


def _token_volumes(volumes: list[Any]) -> Iterator[object]:
    """The names of the projected service account token volumes the API server adds."""
    for volume in volumes:
        if not isinstance(volume, dict):
            continue
        name = volume.get("name")
        if isinstance(name, str) and name.startswith(_API_ACCESS_VOLUME) and "projected" in volume:
            yield name


_API_ACCESS_VOLUME = "kube-api-access-"


def _json(value: object) -> str:
    """Parsed JSON or YAML as text (YAML may hold what JSON cannot: then its repr)."""
    try:
        return orjson.dumps(value, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # an integer beyond 64 bits
        return repr(value)


def _event_times(raw: Mapping[str, Any]) -> str:
    """Every field an event's count and times are read from, as they were written (equal
    fields give equal counts and times, without parsing them)."""
    series = raw.get("series") or _NOTHING
    return _json(
        (
            raw.get("count"),
            raw.get("deprecatedCount"),
            raw.get("firstTimestamp"),
            raw.get("lastTimestamp"),
            raw.get("deprecatedFirstTimestamp"),
            raw.get("deprecatedLastTimestamp"),
            raw.get("eventTime"),
            (raw.get("metadata") or _NOTHING).get("creationTimestamp"),
            series.get("count") if isinstance(series, Mapping) else series,
            series.get("lastObservedTime") if isinstance(series, Mapping) else None,
        )
    )


def _event_signature(raw: Mapping[str, Any], identity: _Identity) -> tuple[object, ...]:
    """What an event says, not when or how often."""
    involved = raw.get("involvedObject") or raw.get("regarding") or _NOTHING
    source = raw.get("source") or _NOTHING
    message = raw.get("message") or raw.get("note")
    return (
        raw.get("type"),
        raw.get("reason"),
        identity.blank(message) if isinstance(message, str) else message,
        involved.get("fieldPath"),
        source.get("component") or raw.get("reportingController"),
    )
