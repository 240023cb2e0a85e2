"""docs/records.md, docs/operations.md and the record schema stay true to what kubemedic writes.

People validate their copy of the audit trail against docs/schema/record-v1.schema.json and act
on the two pages; a header key, event, state, command or exit code added or renamed without them
would make the docs lie. jsonschema is not a dependency, so the schema is checked key by key: an
incident record is built by the real services on a real git repository (no cluster needed), and
the operation header is read from the dictionary ``propose`` writes (proposing needs a cluster).
"""

from __future__ import annotations

import ast
import json
import re
import socket
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic import errors
from kubemedic.actions._common import fingerprint
from kubemedic.actions.checks import CHECKS
from kubemedic.adapters.kubernetes.writer import PatchType
from kubemedic.cli.app import EXIT_INTERNAL, run
from kubemedic.governance.compliance import NOTES
from kubemedic.governance.integrity import chain_problems
from kubemedic.governance.lifecycle import Event
from kubemedic.models.findings import ObjectRef
from kubemedic.models.health import REPORT_TYPE
from kubemedic.models.identity import Actor
from kubemedic.models.notification import EVENTS, Webhook
from kubemedic.models.operations import (
    ActionType,
    Change,
    ChangeVerb,
    IncidentState,
    OperationState,
    TierFacts,
)
from kubemedic.models.policy import Policy
from kubemedic.models.records import SCHEMA, Record, RecordKind, parse, render_header
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.reports.health import health_report
from kubemedic.services.diagnose import diagnose
from kubemedic.services.incidents import close_incident
from kubemedic.services.records import RecordStore
from kubemedic.services.remediate import remedy
from kubemedic.services.report import PUBLISHED, record_report
from kubemedic.services.sources import SourceRequest, load_view
from kubemedic.services.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCHEMA_DOC: dict[str, Any] = json.loads(
    (DOCS / "schema" / "record-v1.schema.json").read_text(encoding="utf-8")
)
DEFS: dict[str, Any] = SCHEMA_DOC["$defs"]
DIAGNOSIS_SCHEMA: dict[str, Any] = json.loads(
    (DOCS / "schema" / "diagnosis-v1.schema.json").read_text(encoding="utf-8")
)
RECORDS_PAGE = (DOCS / "records.md").read_text(encoding="utf-8")
OPERATIONS_PAGE = (DOCS / "operations.md").read_text(encoding="utf-8")
PROPOSE_SOURCE = ROOT / "src" / "kubemedic" / "services" / "operations.py"
SCENARIO = ROOT / "tests" / "scenarios" / "crashloop.app-error-python-missing-env"
"""A finding whose fix needs a person, so ``remedy`` proposes nothing and needs no cluster."""

OPERATION_PROPOSED = "operation-proposed"
"""The one incident event this file cannot produce: ``propose --incident`` needs a cluster."""

LIN = Actor("Lin Park", "lin@example.com")
TIME = re.compile(DEFS["time"]["pattern"])
SHA256 = re.compile(DEFS["sha256"]["pattern"])


def _keys(schema: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(required, properties) of an object schema."""
    return set(schema["required"]), set(schema["properties"])


def _parsed(record: Record) -> dict[str, Any]:
    """A record as the schema describes it: the front-matter and each section's yaml block."""
    sections = []
    for section in record.sections:
        block = section.raw.split("```yaml\n", 1)[1].split("\n```", 1)[0]
        sections.append(yaml.safe_load(block))
    return {"header": dict(record.header), "sections": sections}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An incident opened, noted, notified (to a receiver that is down) and closed, for real."""
    view = load_view(SourceRequest(files=(SCENARIO,)))
    finding = diagnose(view).findings[0]
    moments = iter(view.observed_at + timedelta(minutes=m) for m in range(1, 100))
    ws = Workspace(
        store=RecordStore.open(tmp_path_factory.mktemp("trail") / "records"),
        policy=Policy(),
        webhooks=(Webhook(f"http://127.0.0.1:{_closed_port()}/hooks", retries=0, timeout=1),),
        now=lambda: next(moments),
    )
    done = remedy(ws, finding, LIN, view=view)
    assert done.operation is None, "the scenario's fix must need a person (no cluster here)"
    close_incident(ws, done.incident, reason="the problem is no longer detected")
    return _parsed(ws.store.load(done.incident))


def _propose_header() -> ast.Dict:
    """The dictionary literal ``propose`` assigns to ``header``."""
    tree = ast.parse(PROPOSE_SOURCE.read_text(encoding="utf-8"))
    function = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "propose"
    )
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["header"]
            and isinstance(node.value, ast.Dict)
        ):
            return node.value
    raise AssertionError("propose no longer builds its header as a dictionary literal")


def _literal_keys(node: ast.Dict) -> list[str]:
    keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
    assert len(keys) == len(node.keys), "a header key is not a string literal"
    return [str(k) for k in keys]


ENVELOPE = set(
    parse(render_header({"id": "OP-20260101-abcdef", "kind": "operation"}, "t", "i")).header
)
"""What every header holds besides the kind's keys: schema, id, kind (the store) and title."""


def test_the_incident_the_services_write_has_exactly_the_schema_header(
    incident: dict[str, Any],
) -> None:
    header = incident["header"]
    required, documented = _keys(DEFS["incidentHeader"])
    assert set(header) == required == documented
    assert header["schema"] == SCHEMA
    assert re.fullmatch(DEFS["incidentId"]["pattern"], header["id"])
    for key in ("created_at", "onset_at", "detected_at"):
        assert TIME.fullmatch(header[key]), key
    assert header["severity"] in DEFS["incidentHeader"]["properties"]["severity"]["enum"]
    assert set(header["object"]) <= set(DEFS["objectRef"]["properties"])
    assert set(header["finding"]) == set(
        DEFS["incidentHeader"]["properties"]["finding"]["required"]
    )


def test_the_incident_sections_have_exactly_the_schema_keys_events_and_states(
    incident: dict[str, Any],
) -> None:
    required, documented = _keys(DEFS["section"])
    events = DEFS["incidentSection"]["properties"]["event"]["enum"]
    states = DEFS["incidentSection"]["properties"]["state"]["enum"]
    written = [s["event"] for s in incident["sections"]]
    assert written == [
        "opened",
        "notification-failed",
        "manual-fix-needed",
        "closed",
        "notification-failed",
    ]
    assert set(events) == {*written, OPERATION_PROPOSED}
    for number, section in enumerate(incident["sections"], start=1):
        assert set(section) == required == documented
        assert section["seq"] == number
        assert section["state"] in states
        assert TIME.fullmatch(section["at"])
        assert SHA256.fullmatch(section["prev_sha256"])
        assert set(section["actor"]) == set(DEFS["person"]["required"])


def test_the_report_record_the_service_writes_has_exactly_the_schema_keys(
    tmp_path: Path,
) -> None:
    request = SourceRequest(files=(SCENARIO,))
    view = load_view(request)
    report = health_report(
        view, diagnose(view).findings, {"score": 90}, now=view.observed_at, version="0",
        namespace=None,
    )  # fmt: skip
    store = RecordStore.open(tmp_path / "records")
    record_id = record_report(store, report, "The report.", request)
    parsed = _parsed(store.load(record_id))
    header = parsed["header"]
    required, documented = _keys(DEFS["reportHeader"])
    assert set(header) == required == documented
    assert re.fullmatch(DEFS["reportId"]["pattern"], header["id"])
    assert TIME.fullmatch(header["created_at"])
    assert header["findings"] == [f.key for f in report.findings]
    [section] = parsed["sections"]
    assert set(section) == set(DEFS["section"]["required"])
    assert section["event"] in _enum("reportSection", "properties", "event")
    assert section["state"] in _enum("reportSection", "properties", "state")


def test_the_operation_header_has_exactly_the_keys_propose_writes() -> None:
    header = _propose_header()
    required, documented = _keys(DEFS["operationHeader"])
    assert ENVELOPE | set(_literal_keys(header)) == required == documented
    for key, value in zip(_literal_keys(header), header.values, strict=True):
        if isinstance(value, ast.Dict):
            nested = DEFS["operationHeader"]["properties"][key]
            nested = DEFS[nested["$ref"].rsplit("/", 1)[1]] if "$ref" in nested else nested
            assert set(_literal_keys(value)) == set(nested["required"]), key
            assert set(nested["required"]) == set(nested["properties"]), key


def test_the_computed_parts_of_the_operation_header_match_the_schema() -> None:
    properties = DEFS["operationHeader"]["properties"]
    facts = properties["facts"]
    minimal = TierFacts(ActionType.SCALE, "Deployment", "shop").to_data()
    assert set(minimal) == set(facts["required"])
    assert set(TierFacts.__dataclass_fields__) == set(facts["properties"])
    assert set(fingerprint(None)) == set(properties["target_fingerprint"]["required"])
    target = ObjectRef("Deployment", "web", "shop")
    patch = Change(ChangeVerb.PATCH, target, {"spec": {"replicas": 3}}, "merge").to_data()
    assert set(patch) == set(DEFS["change"]["properties"])
    assert set(Change(ChangeVerb.DELETE, target).to_data()) == set(DEFS["change"]["required"])


def _enum(*path: str) -> set[Any]:
    node: Any = DEFS
    for step in path:
        node = node[step]
    return set(node["enum"])


@pytest.mark.parametrize(
    ("path", "vocabulary"),
    [
        (("actionType",), {t.value for t in ActionType}),
        (("tier",), {t.value for t in RiskTier}),
        (("checkName",), set(CHECKS)),
        (("change", "properties", "verb"), {v.value for v in ChangeVerb}),
        (("change", "properties", "patch_type"), {p.value for p in PatchType}),
        (("header", "properties", "kind"), {k.value for k in RecordKind}),
        (("incidentHeader", "properties", "severity"), {s.value for s in Severity}),
        (("operationSection", "properties", "event"), {e.value for e in Event} | NOTES),
        (("operationSection", "properties", "state"), {s.value for s in OperationState} | {None}),
        (("incidentSection", "properties", "state"), {s.value for s in IncidentState} | {None}),
        (("reportSection", "properties", "event"), {PUBLISHED}),
        (("reportHeader", "properties", "report_type"), {REPORT_TYPE}),
    ],
    ids=lambda value: "/".join(value) if isinstance(value, tuple) else None,
)
def test_schema_enumerations_are_the_code_vocabulary(
    path: tuple[str, ...], vocabulary: set[Any]
) -> None:
    assert _enum(*path) == vocabulary


def test_the_schema_is_draft_2020_12_of_this_format() -> None:
    assert SCHEMA_DOC["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert DEFS["header"]["properties"]["schema"]["const"] == SCHEMA
    kinds = {
        rule["if"]["properties"]["header"]["properties"]["kind"]["const"]
        for rule in SCHEMA_DOC["allOf"]
    }
    assert kinds == {k.value for k in RecordKind}
    finding = DIAGNOSIS_SCHEMA["$defs"]["finding"]["required"]
    assert DEFS["incidentHeader"]["properties"]["finding"]["required"] == finding


def test_the_records_page_names_every_event_and_header_key() -> None:
    names = (
        _enum("operationSection", "properties", "event")
        | _enum("incidentSection", "properties", "event")
        | set(DEFS["operationHeader"]["properties"])
        | set(DEFS["incidentHeader"]["properties"])
        | _enum("reportSection", "properties", "event")
        | set(DEFS["reportHeader"]["properties"])
    )
    missing = sorted(n for n in names if f"`{n}`" not in RECORDS_PAGE)
    assert not missing, f"docs/records.md does not mention {missing}"


def test_the_example_record_in_the_records_page_is_intact() -> None:
    example = RECORDS_PAGE.split("## An example record", 1)[1]
    text = example.split("````markdown\n", 1)[1].split("\n````", 1)[0] + "\n"
    record = parse(text, "docs/records.md")
    assert list(chain_problems(record)) == []
    assert set(record.header) == set(DEFS["operationHeader"]["required"])


def test_the_operations_page_names_every_action_check_and_notification() -> None:
    names = {t.value for t in ActionType} | set(CHECKS) | EVENTS
    missing = sorted(n for n in names if f"`{n}`" not in OPERATIONS_PAGE)
    assert not missing, f"docs/operations.md does not mention {missing}"


def _code(page: str) -> Iterator[str]:
    """The code of a page: fenced blocks, then inline spans outside them."""
    fenced = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
    yield from fenced.findall(page)
    yield from re.findall(r"`([^`\n]+)`", fenced.sub("", page))


GLOBAL_OPTIONS = {"--config": 1, "--debug": 0}
"""Options of ``kubemedic`` itself that may precede a command, and how many values they take."""


def _named_commands(page: str) -> set[tuple[str, ...]]:
    """``(command,)`` or ``(group, command)`` for every ``kubemedic ...`` line in the code."""
    named: set[tuple[str, ...]] = set()
    for code in _code(page):
        # a lookahead, so a command quoted inside another's line is found too
        for match in re.finditer(r"\bkubemedic[ \t]+(?=([^\n|&;()]*))", code):
            words = iter(match.group(1).split())
            command: list[str] = []
            for word in words:
                if word.startswith("["):
                    while not word.endswith("]"):
                        word = next(words, "]")
                elif word in GLOBAL_OPTIONS:
                    for _ in range(GLOBAL_OPTIONS[word]):
                        next(words, None)
                elif re.fullmatch(r"[a-z][a-z-]*", word) and len(command) < 2:
                    command.append(word)
                else:
                    break
            if command:
                named.add(tuple(command))
    return named


def _listed(capsys: pytest.CaptureFixture[str], *group: str) -> set[str]:
    """The command names ``kubemedic [GROUP] --help`` lists."""
    assert run([*group, "--help"]) == 0
    out = capsys.readouterr().out
    return set(re.findall(r"^│ ([a-z][a-z-]*) ", out, re.MULTILINE))


@pytest.fixture
def listed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, set[str]]:
    """The commands ``kubemedic --help`` lists (key ""), and those of its governed groups."""
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    return {group: _listed(capsys, *filter(None, [group])) for group in ("", "propose", "records")}


def test_every_command_the_operations_page_names_exists(listed: dict[str, set[str]]) -> None:
    named = _named_commands(OPERATIONS_PAGE)
    assert ("records", "verify") in named
    assert ("approvals",) in named
    unknown = [
        " ".join(words)
        for words in sorted(named)
        if words[0] not in listed[""]
        or (words[0] in listed and words[1:] and words[1] not in listed[words[0]])
    ]
    assert not unknown, f"docs/operations.md names commands --help does not list: {unknown}"


def test_the_operations_page_documents_every_governed_command(listed: dict[str, set[str]]) -> None:
    named = {words[0] for words in _named_commands(OPERATIONS_PAGE)}
    subcommands = [f"`{name}" for group in ("propose", "records") for name in listed[group]]
    missing = sorted(listed[""] - named) + [s for s in subcommands if s not in OPERATIONS_PAGE]
    assert not missing, f"docs/operations.md does not document {missing}"


def test_the_exit_code_table_lists_every_exit_code() -> None:
    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    section = OPERATIONS_PAGE.split("## Exit codes", 1)[1]
    table = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert table == codes | {EXIT_INTERNAL}
