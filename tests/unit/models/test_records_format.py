"""The record file format: what is written reads back, chained, and free text cannot forge it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubemedic.errors import EXIT_RECORDS, RecordsError
from kubemedic.models.identity import Author
from kubemedic.models.records import (
    SCHEMA,
    RecordKind,
    parse,
    render_header,
    render_section,
    sections_of,
    sha256,
)

AT = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
ADA = Author("Ada Lovelace", "ada@example.com")
FORGED = (
    "<!-- kubemedic:section 2 -->\n## 2. approved — 2026-06-01T10:00:00Z — Sam\n\n"
    "```yaml\nseq: 2\nevent: approved\nat: '2026-06-01T10:00:00Z'\nstate: approved\n"
    "actor: {name: Sam, email: sam@example.com}\ndata: {}\n```\n"
)


def _header(**extra: object) -> str:
    header = {"id": "OP-20260601-abcdef", "kind": "operation", "created_at": "2026-06-01T10:00:00Z"}
    return render_header({**header, **extra}, "Operation OP-20260601-abcdef: scale web", "Why.")


def _append(
    text: str, event: str, *, state: str | None = "pending-approval", body: str = "", **data: object
) -> str:
    return text + render_section(
        text,
        event=event,
        at=AT + timedelta(minutes=len(parse(text).sections)),
        actor=ADA,
        state=state,
        data=data,
        text=body or f"{event}.",
    )


def test_a_record_reads_back_as_it_was_written() -> None:
    text = _header(tier="critical", approval={"approvers": 2, "required_roles": ["security"]})
    text = _append(text, "submitted", needs="2 more approvals")
    text = _append(text, "sla-breached", state=None, body="Overdue.\n\nStill waiting.", late=60.5)
    record = parse(text, "operations/OP-20260601-abcdef.md")
    assert record.id == "OP-20260601-abcdef"
    assert record.kind is RecordKind.OPERATION
    assert record.path == "operations/OP-20260601-abcdef.md"
    assert record.title == "Operation OP-20260601-abcdef: scale web"
    assert record.created_at == AT
    assert record.header["schema"] == SCHEMA
    assert record.header["approval"] == {"approvers": 2, "required_roles": ["security"]}
    first, note = record.sections
    assert (first.seq, first.event, first.at, first.actor) == (1, "submitted", AT, ADA)
    assert first.state == "pending-approval"
    assert first.data == {"needs": "2 more approvals"}
    assert first.text == "submitted."
    assert (note.seq, note.state, note.data) == (2, None, {"late": 60.5})
    assert note.at == AT + timedelta(minutes=1)
    assert note.text == "Overdue.\n\nStill waiting."
    assert record.state == "pending-approval"  # a note leaves the state as it was
    assert record.first("sla-breached", "submitted") is first
    assert record.last("sla-breached", "submitted") is note
    assert record.events("approved") == ()


def test_a_record_is_markdown_a_person_reads() -> None:
    text = _append(_header(), "submitted", body="Waiting for **approval**.")
    assert "\n# Operation OP-20260601-abcdef: scale web\n\nWhy.\n" in text
    assert "\n## 1. submitted — 2026-06-01T10:00:00Z — Ada Lovelace\n" in text
    assert text.endswith("Waiting for **approval**.\n\n")


def test_a_record_without_sections_is_in_its_initial_state() -> None:
    record = parse(_header(initial_state="open"))
    assert record.sections == ()
    assert record.state == "open"
    assert record.last_sha256 == sha256(record.header_raw)


def test_each_section_is_chained_to_the_exact_text_before_it() -> None:
    header = _header()
    one = _append(header, "submitted")
    two = _append(one, "approved", state="approved")
    record = parse(two)
    assert record.header_raw == header
    assert record.sections[0].prev_sha256 == sha256(header)
    assert record.sections[0].raw == one[len(header) :]
    assert record.sections[1].prev_sha256 == sha256(one[len(header) :])
    assert record.last_sha256 == sha256(two[len(one) :])


def test_appended_sections_read_alone() -> None:
    one = _append(_header(), "submitted")
    two = _append(one, "approved", state="approved")
    (added,) = sections_of(two[len(one) :])
    assert (added.seq, added.event, added.state) == (2, "approved", "approved")


def test_free_text_cannot_forge_a_section_boundary() -> None:
    text = render_header(
        {"id": "OP-1", "kind": "operation", "created_at": "2026-06-01T10:00:00Z", "note": FORGED},
        "Title\n" + FORGED,
        "Intro\n" + FORGED,
    )
    text = _append(text, "submitted", body="Reason:\n" + FORGED, reason=FORGED)
    text = _append(text, "approval-added", body=FORGED)
    record = parse(text)
    assert [s.event for s in record.sections] == ["submitted", "approval-added"]
    assert record.header["note"] == FORGED
    assert record.sections[0].data == {"reason": FORGED}
    assert "&lt;!-- kubemedic:section 2 -->" in record.sections[1].text


def test_an_actor_name_cannot_forge_a_section_boundary() -> None:
    forger = Author("Eve\n<!-- kubemedic:section 2 -->", "eve@example.com")
    text = _header()
    text += render_section(
        text, event="submitted", at=AT, actor=forger, state="pending-approval", data={}, text="x"
    )
    (section,) = parse(text).sections
    assert section.actor == forger


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# just notes\n", "not a kubemedic record (no front-matter)"),
        ("---\nid: OP-1\nkind: operation\n", "front-matter is not closed with ---"),
        ("---\nid: [OP-1\n---\n", "front-matter: not valid YAML"),
        ("---\n- a list\n---\n", "front-matter lacks id or kind"),
        ("---\nkind: operation\n---\n", "front-matter lacks id or kind"),
    ],
)
def test_a_malformed_header_names_the_file(text: str, message: str) -> None:
    with pytest.raises(RecordsError) as error:
        parse(text, "operations/OP-1.md")
    assert error.value.message.startswith(f"operations/OP-1.md: {message}")
    assert error.value.exit_code == EXIT_RECORDS


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("## 1. submitted\n\nno machine block\n", "section 1: no yaml block"),
        ("```yaml\nseq: [1\n```\n", "section 1: not valid YAML"),
        ("```yaml\n- 1\n```\n", "section 1: the yaml block is not a mapping"),
        (
            "```yaml\nevent: submitted\nat: '2026-06-01T10:00:00Z'\n```\n",
            "section 1: missing or bad field 'seq'",
        ),
        (
            "```yaml\nseq: one\nevent: x\nat: '2026-06-01T10:00:00Z'\n```\n",
            "section 1: missing or bad field",
        ),
        (
            "```yaml\nseq: 1\nevent: x\nat: yesterday\n```\n",
            "section 1: at: not a time: 'yesterday'",
        ),
    ],
)
def test_a_malformed_section_names_the_file_and_the_section(section: str, message: str) -> None:
    text = _header() + "<!-- kubemedic:section 1 -->\n" + section
    with pytest.raises(RecordsError) as error:
        parse(text, "operations/OP-1.md")
    assert error.value.message.startswith(f"operations/OP-1.md {message}")


def test_a_record_without_a_path_is_called_record() -> None:
    with pytest.raises(RecordsError, match=r"^record: not a kubemedic record"):
        parse("nothing")


def test_a_bad_creation_time_names_the_file() -> None:
    record = parse(_header(created_at="soon"), "operations/OP-1.md")
    with pytest.raises(RecordsError) as error:
        _ = record.created_at
    assert error.value.message == "operations/OP-1.md: created_at: not a time: 'soon'"


@pytest.mark.parametrize(
    ("kind", "prefix", "directory"),
    [
        ("incident", "INC", "incidents"),
        ("operation", "OP", "operations"),
        ("report", "RPT", "reports"),
    ],
)
def test_record_kinds_name_their_ids_and_folders(kind: str, prefix: str, directory: str) -> None:
    assert (RecordKind(kind).prefix, RecordKind(kind).directory) == (prefix, directory)
