"""The audit trail holds up: tampering is caught by ``records verify``, a forged execution by
``records audit``, and every notification reaches its webhook once (failures are recorded)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kubemedic.models.identity import Author
from kubemedic.models.records import render_header, render_section
from tests.e2e.governed.conftest import Governed

pytestmark = pytest.mark.e2e


def _executed_scale(governed: Governed) -> str:
    op = governed.cli("propose", "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert op.code == 0, op.err
    assert governed.cli("approve", op.first_line, "--as", "Ada").code == 0
    assert governed.cli("execute", op.first_line).code == 0
    return op.first_line


def test_a_hand_edited_record_fails_verify(governed: Governed) -> None:
    op = _executed_scale(governed)
    assert governed.cli("records", "verify").code == 0
    path = governed.records / "operations" / f"{op}.md"
    path.write_text(path.read_text().replace("email: ada@example.com", "email: bo@example.com"))
    dirty = governed.cli("records", "verify")
    assert dirty.code == 1
    assert f"operations/{op}.md" in dirty.out
    assert "hash chain broken" in dirty.out or "differs from its last commit" in dirty.out

    governed.git("commit", "-qam", "tidy up")
    committed = governed.cli("records", "verify")
    assert committed.code == 1
    assert "not an append" in committed.out
    sha = governed.git("rev-parse", "HEAD").strip()
    assert sha[:12] in committed.out


def test_a_rewritten_history_fails_verify(governed: Governed) -> None:
    op = _executed_scale(governed)
    governed.git("reset", "-q", "--hard", "HEAD~1")  # drop the "executed" commit
    governed.git("commit", "-q", "--allow-empty", "-m", "nothing to see")
    result = governed.cli("records", "verify")
    assert result.code == 1
    assert "history was rewritten" in result.out
    assert op not in governed.cli("records", "list", "--status", "executed").out


def test_a_deleted_record_fails_verify(governed: Governed) -> None:
    op = _executed_scale(governed)
    governed.git("rm", "-q", f"operations/{op}.md")
    governed.git("commit", "-qm", "cleanup")
    result = governed.cli("records", "verify")
    assert result.code == 1
    assert f"operations/{op}.md" in result.out
    assert "deleted" in result.out


def test_audit_catches_a_medium_change_executed_without_approval(governed: Governed) -> None:
    _executed_scale(governed)  # a legitimate one, which the audit passes
    assert governed.cli("records", "audit").code == 0
    forged = _forged_medium_execution()
    (governed.records / "operations" / "OP-20261201-f0f0f0.md").write_text(forged)
    governed.git("add", "operations")
    governed.git("commit", "-qm", "OP-20261201-f0f0f0: executed")
    audit = governed.cli("records", "audit")
    assert audit.code == 1
    assert "OP-20261201-f0f0f0: medium change executed with no approval" in audit.out
    assert "lifecycle" in audit.out or "not allowed" in audit.out


def _forged_medium_execution() -> str:
    from datetime import UTC, datetime, timedelta

    when = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    header = {
        "id": "OP-20261201-f0f0f0",
        "kind": "operation",
        "created_at": "2026-12-01T03:00:00Z",
        "requested_by": {"name": "Mallory", "email": "m@example.com"},
        "action": {
            "type": "set-image",
            "target": {"kind": "Deployment", "name": "backend", "namespace": "todo"},
            "params": {"container": "backend", "image": "evil:1"},
        },
        "tier": "medium",
        "approval": {"approvers": 1, "any_role": ["architect"], "sla_minutes": 30},
        "plan": {
            "summary": "Set image",
            "change": {
                "verb": "patch",
                "target": {"kind": "Deployment", "name": "backend", "namespace": "todo"},
            },
            "checks": [],
        },
        "facts": {"action": "set-image", "target_kind": "Deployment", "namespace": "todo"},
        "validation": {"delays": []},
    }
    text = render_header(header, "Operation OP-20261201-f0f0f0: Set image", "Forged.")
    mallory = Author("Mallory", "m@example.com")
    for minutes, (event, state) in enumerate(
        [
            ("submitted", "pending-approval"),
            ("execution-started", "executing"),
            ("executed", "executed"),
        ]
    ):
        text += render_section(
            text,
            event=event,
            at=when + timedelta(minutes=minutes),
            actor=mallory,
            state=state,
            data={},
            text="",
        )
    return text


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, object]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"key": self.headers["X-Kubemedic-Delivery"], **json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, object]]]]:
    received: list[dict[str, object]] = []
    handler = type("Handler", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/kubemedic", received
    server.shutdown()
    server.server_close()


def test_each_notification_reaches_the_webhook_once(
    governed: Governed, receiver: tuple[str, list[dict[str, object]]]
) -> None:
    url, received = receiver
    _webhooks(governed.config, [{"url": url}])
    op = governed.cli("propose", "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert governed.cli("approve", op.first_line, "--as", "Ada").code == 0
    assert governed.cli("execute", op.first_line).code == 0
    events = [r["event"] for r in received]
    assert events == ["operation.proposed", "operation.approved", "operation.executed"]
    assert len({r["key"] for r in received}) == 3
    assert all(r["record"] == op.first_line for r in received)


def test_a_dead_webhook_is_recorded_and_blocks_nothing(governed: Governed) -> None:
    _webhooks(governed.config, [{"url": "http://127.0.0.1:9/hook", "retries": 0, "timeout": 1}])
    op = governed.cli("propose", "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert op.code == 0, op.err
    record = governed.record(op.first_line)
    failed = [s for s in record["sections"] if s["event"] == "notification-failed"]
    assert len(failed) == 1
    delivery = failed[0]["data"]["deliveries"][0]
    assert delivery["webhook"].startswith("http://127.0.0.1:9")
    assert "refused" in delivery["error"]
    assert record["state"] == "pending-approval"


def _webhooks(config: Path, hooks: list[dict[str, object]]) -> None:
    import yaml

    data = yaml.safe_load(config.read_text())
    data["notifications"] = {"webhooks": hooks}
    config.write_text(yaml.safe_dump(data))


def test_signed_approvals_verify_and_an_unsigned_one_is_named(
    governed: Governed, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    import yaml

    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed (apt-get install openssh-client)")
    key = tmp_path / "ada_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ada", "-f", str(key)], check=True
    )
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'ada@example.com namespaces="git" {key.with_suffix(".pub").read_text()}')
    data = yaml.safe_load(governed.config.read_text())
    data["allowed_signers"] = str(signers)
    governed.config.write_text(yaml.safe_dump(data))

    assert governed.cli("records", "list").code == 0  # creates the repository
    governed.git("config", "gpg.format", "ssh")
    governed.git("config", "user.signingkey", str(key))
    signed = governed.cli("propose", "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert governed.cli("approve", signed.first_line, "--as", "Ada").code == 0
    assert governed.cli("records", "verify").code == 0, governed.cli("records", "verify").out

    governed.git("config", "--unset", "gpg.format")
    governed.git("config", "--unset", "user.signingkey")
    unsigned = governed.cli("propose", "scale", "deploy/backend", "-n", "todo", "--replicas", "3")
    assert governed.cli("approve", unsigned.first_line, "--as", "Ada").code == 0
    result = governed.cli("records", "verify")
    assert result.code == 1
    assert f"operations/{unsigned.first_line}.md" in result.out
    assert "signature is unsigned" in result.out
    assert signed.first_line not in result.out
