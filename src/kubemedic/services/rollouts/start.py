"""Start the change the guard then watches: a set-image operation, an approved operation, or a
command such as ``helm upgrade``.

``--set-image`` is proposed like any other change: when its tier needs approval the guard
waits for it (Ctrl-C stops waiting and leaves the proposal pending). ``--execute ID`` runs an
approved operation on the guarded Deployment. A command runs as a child process whose output
is passed on line by line; the guard watches whatever rollout it causes.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kubemedic.actions._common import touches_template
from kubemedic.errors import InputError, KubemedicError, Refused
from kubemedic.governance.lifecycle import TERMINAL, what_now
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import Actor
from kubemedic.models.operation_record import OperationRecord
from kubemedic.models.operations import ActionRequest, ActionType, OperationState
from kubemedic.services.execution import execute
from kubemedic.services.operations import expire_if_due, propose
from kubemedic.services.workspace import Workspace

Say = Callable[[str], None]
_APPROVED = (OperationState.APPROVED, OperationState.CONDITIONALLY_APPROVED)


@dataclass(frozen=True, slots=True)
class SetImage:
    container: str
    image: str


@dataclass(frozen=True, slots=True)
class ExecuteOperation:
    id: str


@dataclass(frozen=True, slots=True)
class RunCommand:
    argv: tuple[str, ...]


Start = SetImage | ExecuteOperation | RunCommand


def start_operation(
    ws: Workspace,
    ref: ObjectRef,
    start: SetImage | ExecuteOperation,
    actor: Actor,
    *,
    say: Say,
    stop: threading.Event,
    poll: float,
) -> str | None:
    """Execute the operation that starts the rollout (proposing it first for ``SetImage``);
    its id, or None when stopped while it waited for approval."""
    if isinstance(start, SetImage):
        request = ActionRequest(
            ActionType.SET_IMAGE, ref, {"container": start.container, "image": start.image}
        )
        record_id = propose(ws, request, actor, reason="started by kubemedic rollout guard").id
        say(f"proposed {record_id}: set image of container {start.container} to {start.image}")
    else:
        record_id = start.id
        _check_target(OperationRecord(ws.store.load(record_id)), ref)
    if not _wait_for_approval(ws, record_id, say=say, stop=stop, poll=poll):
        return None
    done = execute(ws, record_id, actor)
    if done.state is not OperationState.EXECUTED:
        raise KubemedicError(f"operation {record_id} failed: {done.detail}")
    say(f"executed {record_id}: {done.detail}")
    return record_id


def deployment_started_by(ws: Workspace, record_id: str) -> ObjectRef:
    """The Deployment whose rollout the operation starts (it writes the pod template); bad
    usage for any other change, which leaves nothing to guard."""
    op = OperationRecord(ws.store.load(record_id))
    change = op.change
    if change.target.kind != "Deployment" or not touches_template(change):
        raise InputError(
            f"operation {record_id} ({op.request.type.value} of {change.target.kubectl_ref}) "
            "starts no Deployment rollout: there is nothing to guard",
            hint=f"execute it without --guard: kubemedic execute {record_id}",
        )
    return change.target


def _check_target(op: OperationRecord, ref: ObjectRef) -> None:
    if op.change.target != ref and op.workload != ref:
        raise InputError(
            f"operation {op.id} changes {op.target}, not {ref}",
            hint=f"guard it with: kubemedic rollout guard {op.target} --execute {op.id}",
        )


def _wait_for_approval(
    ws: Workspace, record_id: str, *, say: Say, stop: threading.Event, poll: float
) -> bool:
    told = False
    while True:
        op = OperationRecord(ws.store.load(record_id))
        expire_if_due(ws, op)
        op = OperationRecord(ws.store.load(record_id))
        if op.state in _APPROVED:
            return True
        if op.state in TERMINAL or op.state is not OperationState.PENDING_APPROVAL:
            raise Refused(
                f"operation {record_id} is {op.state.value}: the guard cannot start it",
                hint=what_now(record_id, op.state),
            )
        if not told:
            say(
                f"{record_id} waits for approval ({op.tier.value} tier): kubemedic approve "
                f"{record_id}; the rollout starts once it is approved (Ctrl-C stops waiting)"
            )
            told = True
        if stop.wait(poll):
            return False


class Command:
    """A command run beside the guard, its output passed on line by line."""

    def __init__(self, argv: Sequence[str], say: Say) -> None:
        self.argv = tuple(argv)
        self._say = say
        self._ended: datetime | None = None
        try:
            self._process = subprocess.Popen(
                self.argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError as exc:
            raise InputError(f"cannot run {self.argv[0]}: {exc.strerror}") from None
        self._reader = threading.Thread(
            target=self._pass_on, args=(say,), name="kubemedic-guarded-command", daemon=True
        )
        self._reader.start()

    @property
    def name(self) -> str:
        return self.argv[0]

    def _pass_on(self, say: Say) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            say(f"[{self.name}] {line.rstrip()}")

    def over_for(self, now: datetime) -> tuple[int, float] | None:
        """(exit code, seconds since the guard saw it end), or None while it runs."""
        code = self._process.poll()
        if code is None:
            return None
        if self._ended is None:
            self._ended = now
            self._say(f"{self.name} exited with {code}")
        return code, (now - self._ended).total_seconds()

    def finish(self, grace: float) -> int:
        """Wait ``grace`` seconds for the command to end, then stop it; its exit code."""
        try:
            self._process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._reader.join(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        return self._process.returncode
