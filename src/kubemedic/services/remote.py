"""The governed use cases run by a kubemedic server instead of the local records repository.

``kubemedic --server URL approve ...`` asks the server, which decides with the identity the
cluster's TokenReview proves for the kubeconfig's token; the answers come back as the same
outcome objects local mode builds (``models.outcomes``, ``governance.figures``, ``Record``), so
the CLI prints them with the same formatters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from kubemedic._internal.timeutils import parse_time
from kubemedic.adapters.kubemedic_server import KubemedicServer, ServerConnection
from kubemedic.adapters.kubernetes.kubeconfig import resolve
from kubemedic.errors import ClusterError, ConfigError, InputError
from kubemedic.formatters.record_json import DOCUMENT_FIELDS
from kubemedic.governance.figures import Figures, Summary, TierFigures
from kubemedic.models.identity import Actor
from kubemedic.models.operations import ActionRequest, OperationState
from kubemedic.models.outcomes import (
    CheckResult,
    Execution,
    PendingApproval,
    Proposal,
    RollbackOutcome,
    StageOutcome,
    Validation,
)
from kubemedic.models.records import Record, RecordKind
from kubemedic.models.severity import RiskTier
from kubemedic.services.records import path_of

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How the CLI reaches the server: its URL, TLS, and where the token comes from."""

    url: str
    context: str | None = None
    kubeconfig: Path | None = None
    token_file: Path | None = None
    ca_file: Path | None = None
    verify_tls: bool = True


def connect(options: ClientOptions, environ: Mapping[str, str]) -> Remote:
    """A client of the server, presenting the token of ``--token-file`` or of the kubeconfig's
    context (exec and OIDC plugins run as kubectl runs them)."""
    namespace = "default"
    if options.token_file is not None:
        token, source = _token_file(options.token_file), f"token file {options.token_file}"
    else:
        cluster = resolve(context=options.context, kubeconfig=options.kubeconfig, environ=environ)
        header = cluster.authorization()
        if header is None:
            raise ConfigError(
                f"{cluster.identity} has no bearer token to present to the kubemedic server",
                hint="the server verifies bearer tokens only: pass --token-file FILE",
            )
        token, source = header.removeprefix("Bearer ").strip(), cluster.identity
        namespace = cluster.namespace
    connection = ServerConnection(
        options.url, token, source, ca_file=options.ca_file, verify_tls=options.verify_tls
    )
    return Remote(KubemedicServer(connection), namespace)


def _token_file(path: Path) -> str:
    try:
        token = path.expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"token file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"token file {path} is not UTF-8 text (byte {exc.start})") from None
    if not token:
        raise ConfigError(f"token file {path} is empty")
    return token


class Remote:
    """Each governed step as one request to the server, answered with local mode's objects."""

    def __init__(self, server: KubemedicServer, namespace: str) -> None:
        self.server = server
        self.namespace = namespace
        """The kubeconfig context's namespace, for targets given without one."""

    def __enter__(self) -> Remote:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.close()

    def me(self) -> Actor:
        """Who the server says the token proves."""
        return _read(_actor, self.server.get("/me"))

    def propose(
        self, request: ActionRequest, *, emergency: bool, incident: str | None, reason: str
    ) -> Proposal:
        target = request.target
        body = {
            "action": request.type.value,
            "target": {"kind": target.kind, "name": target.name, "namespace": target.namespace},
            "params": dict(request.params),
            "reason": reason,
            "incident": incident,
            "emergency": emergency,
        }
        return _read(_proposal, self.server.post("/operations", body))

    def approve(self, record_id: str, *, reason: str, conditions: Sequence[str]) -> OperationState:
        body = {"reason": reason, "conditions": list(conditions)}
        answer = self.server.post(f"/operations/{_id(record_id)}/approve", body)
        return _read(lambda data: OperationState(data["state"]), answer)

    def reject(self, record_id: str, *, reason: str) -> None:
        self.server.post(f"/operations/{_id(record_id)}/reject", {"reason": reason})

    def cancel(self, record_id: str, *, reason: str) -> None:
        self.server.post(f"/operations/{_id(record_id)}/cancel", {"reason": reason})

    def execute(self, record_id: str) -> Execution:
        return _read(_execution, self.server.post(f"/operations/{_id(record_id)}/execute"))

    def validate(self, record_id: str, *, wait: bool) -> Validation:
        answer = self.server.post(
            f"/operations/{_id(record_id)}/validate", {"wait": wait}, wait=wait
        )
        return _read(_validation, answer)

    def rollback(self, record_id: str, *, reason: str) -> RollbackOutcome:
        """The inverse applied and validated: as long as its validation takes (no timeout)."""
        path = f"/operations/{_id(record_id)}/rollback"
        return _read(_rollback, self.server.post(path, {"reason": reason}, wait=True))

    def pending(self) -> tuple[PendingApproval, ...]:
        return _read(lambda rows: tuple(map(_pending, rows)), self.server.get("/approvals"))

    def records(self, kind: RecordKind | None, state: str | None) -> list[Record]:
        """Incidents and operations, newest first, as records with their header and state
        (a listing carries no sections)."""
        if kind not in (None, RecordKind.INCIDENT, RecordKind.OPERATION):
            raise InputError(f"the kubemedic server lists incidents and operations, not {kind}s")
        kinds = [kind] if kind else [RecordKind.INCIDENT, RecordKind.OPERATION]
        params = {"state": state} if state else None
        pages = [self.server.get(_collection(each), params) for each in kinds]
        found = _read(lambda answers: [_listed(row) for rows in answers for row in rows], pages)
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return found

    def record(self, record_id: str) -> tuple[str, dict[str, Any]]:
        """A record's Markdown, and its header, state and sections as ``records show --json``
        prints them."""
        operation = path_of(record_id).startswith(f"{RecordKind.OPERATION.directory}/")
        kind = RecordKind.OPERATION if operation else None
        document = self.server.get(f"{_collection(kind)}/{record_id}")
        return _read(_shown, document)

    def figures(self, since: str) -> Figures:
        return _read(_figures, self.server.get("/stats", {"since": since}))


def _id(record_id: str) -> str:
    path_of(record_id)  # refuses what is not a record id before it reaches a URL
    return record_id


def _collection(kind: RecordKind | None) -> str:
    # /incidents/{id} shows any record; /operations/{id} only operations
    return "/operations" if kind is RecordKind.OPERATION else "/incidents"


def _read(build: Callable[[Any], T], data: Any) -> T:
    """``build(data)``, or a clear error when the server's JSON is not what this CLI expects."""
    try:
        built = build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ClusterError(
            f"the kubemedic server answered JSON this kubemedic cannot read ({type(exc).__name__}: "
            f"{exc})",
            hint="the server and the CLI may be different versions of kubemedic",
        ) from None
    return built


def _actor(data: Mapping[str, Any]) -> Actor:
    return Actor(str(data["name"]), str(data["email"]), frozenset(data["roles"]))


def _shown(document: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The Markdown, and the record's own fields (the server's operation view adds more)."""
    return str(document["markdown"]), {key: document[key] for key in DOCUMENT_FIELDS}


def _moment(value: object) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValueError(f"{value!r} is not a time")
    return moment


def _proposal(data: Mapping[str, Any]) -> Proposal:
    return Proposal(
        id=str(data["id"]),
        tier=RiskTier(data["tier"]),
        state=OperationState(data["state"]),
        summary=str(data["summary"]),
        needs=str(data["needs"]),
        tier_reason=str(data.get("tier_reason", "")),
        approvers=tuple(str(name) for name in data.get("approvers", ())),
    )


def _execution(data: Mapping[str, Any]) -> Execution:
    return Execution(
        str(data["id"]), OperationState(data["state"]), bool(data["resumed"]), str(data["detail"])
    )


def _validation(data: Mapping[str, Any]) -> Validation:
    stages = tuple(
        StageOutcome(
            int(stage["stage"]),
            float(stage["delay"]),
            bool(stage["ok"]),
            tuple(CheckResult(str(r["name"]), r["ok"], str(r["detail"])) for r in stage["results"]),
        )
        for stage in data["stages"]
    )
    return Validation(
        str(data["id"]),
        OperationState(data["state"]),
        stages,
        parse_time(data.get("next_due")),
        data.get("rolled_back_by"),
    )


def _rollback(data: Mapping[str, Any]) -> RollbackOutcome:
    return RollbackOutcome(
        str(data["id"]),
        str(data["revert_id"]),
        OperationState(data["state"]),
        float(data["seconds"]),
    )


def _pending(data: Mapping[str, Any]) -> PendingApproval:
    return PendingApproval(
        id=str(data["id"]),
        tier=str(data["tier"]),
        summary=str(data["summary"]),
        requester=str(data["requester"]),
        age_seconds=float(data["age_seconds"]),
        left_seconds=float(data["left_seconds"]),
        needs=str(data["needs"]),
        emergency=bool(data["emergency"]),
    )


def _listed(row: Mapping[str, Any]) -> Record:
    """A listing's row as a record whose header says id, kind, title, creation and state."""
    _moment(row["created_at"])
    header = {
        "id": row["id"],
        "kind": RecordKind(row["kind"]).value,
        "title": row.get("title", ""),
        "created_at": row["created_at"],
        "initial_state": row["state"],
    }
    return Record(header, "", (), path_of(str(row["id"])))


def _summary(data: Mapping[str, Any]) -> Summary:
    return Summary(int(data["count"]), data.get("mean"), data.get("p50"), data.get("p95"))


def _figures(data: Mapping[str, Any]) -> Figures:
    return Figures(
        since=_moment(data["since"]),
        incidents=int(data["incidents"]),
        mttd=_summary(data["mttd"]),
        mttr=_summary(data["mttr"]),
        approval={
            str(tier): TierFigures(
                _summary(each["latency"]), int(each["within_sla"]), int(each["decided"])
            )
            for tier, each in data["approval"].items()
        },
        executed=int(data["executed"]),
        failed=int(data["failed"]),
        validated=int(data["validated"]),
        validation_failed=int(data["validation_failed"]),
        rollbacks=_summary(data["rollbacks"]),
        by_category={str(k): int(v) for k, v in data.get("by_category", {}).items()},
    )
