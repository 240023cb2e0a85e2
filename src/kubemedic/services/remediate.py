"""From findings to governed proposals: an incident per problem, an operation per fix.

Used by ``diagnose --propose`` and ``watch --propose``. A finding whose fix maps onto a typed
action becomes an operation linked to its incident; one whose fix needs a human edit gets a
note on the incident saying so, with the command or change a person must make.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemedic.actions.from_finding import action_for
from kubemedic.errors import KubemedicError
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.identity import Actor
from kubemedic.models.severity import Severity
from kubemedic.services.diagnose import Diagnosis
from kubemedic.services.incidents import open_incident, open_incidents
from kubemedic.services.operations import propose
from kubemedic.services.records import Step
from kubemedic.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Remedy:
    finding: Finding
    incident: str
    new_incident: bool
    operation: str | None
    tier: str | None
    state: str | None
    note: str


def remedy(
    ws: Workspace,
    finding: Finding,
    actor: Actor,
    *,
    view: ClusterView | None = None,
    known: dict[str, str] | None = None,
) -> Remedy:
    """Open (or find) the finding's incident and propose its fix when it is machine-applicable."""
    known = known if known is not None else open_incidents(ws)
    opened = open_incident(ws, finding, view=view, known=known)
    known[opened.key] = opened.id
    if not opened.new and _already_proposed(ws, opened.id):
        return Remedy(finding, opened.id, False, None, None, None, "a fix was already proposed")
    translation = action_for(finding)
    if translation.request is None:
        _note(ws, opened.id, actor, translation.why_not)
        return Remedy(finding, opened.id, opened.new, None, None, None, translation.why_not)
    try:
        proposal = propose(
            ws, translation.request, actor, incident=opened.id, reason=finding.summary
        )
    except KubemedicError as exc:
        why = f"the fix could not be proposed: {exc.message}"
        _note(ws, opened.id, actor, why)
        return Remedy(finding, opened.id, opened.new, None, None, None, why)
    return Remedy(
        finding,
        opened.id,
        opened.new,
        proposal.id,
        proposal.tier.value,
        proposal.state.value,
        proposal.summary,
    )


def remedy_all(ws: Workspace, diagnosis: Diagnosis, actor: Actor) -> tuple[Remedy, ...]:
    """``diagnose --propose``: a remedy for every finding of medium severity or worse."""
    known = open_incidents(ws)
    return tuple(
        remedy(ws, finding, actor, view=diagnosis.view, known=known)
        for finding in diagnosis.findings
        if finding.severity.at_least(Severity.MEDIUM)
    )


def _already_proposed(ws: Workspace, incident: str) -> bool:
    return bool(ws.store.load(incident).events("operation-proposed"))


def _note(ws: Workspace, incident: str, actor: Actor, text: str) -> None:
    record = ws.store.load(incident)
    if any(s.data.get("why") == text for s in record.events("manual-fix-needed")):
        return
    ws.store.append(
        incident,
        Step("manual-fix-needed", None, {"why": text}, text[:1].upper() + text[1:] + "."),
        actor=actor,
        at=ws.now(),
        message=f"{incident}: fix needs a person",
    )
