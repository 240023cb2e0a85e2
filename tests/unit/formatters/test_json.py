"""The JSON output keeps the published schema, and the published docs keep up with it."""

from __future__ import annotations

import json as stdlib_json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kubemedic.formatters import json
from tests.golden.samples import empty_report, full_report

DOCS = Path(__file__).parents[3] / "docs"
SCHEMA: dict[str, Any] = stdlib_json.loads(
    (DOCS / "schema" / "diagnosis-v1.schema.json").read_text(encoding="utf-8")
)
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
}


def _violations(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The subset of JSON Schema 2020-12 the published schema uses, enough to catch drift."""
    if "$ref" in schema:
        return _violations(value, SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]], path)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not _violations(value, s, path)]
        return [] if len(matching) == 1 else [f"{path}: matches {len(matching)} of oneOf"]
    problems = []
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if types and not any(
        isinstance(value, _TYPES[t]) and not (t == "integer" and isinstance(value, bool))
        for t in types
    ):
        return [f"{path}: {value!r} is not {types}"]
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        problems += _member_violations(value, schema, path)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += _violations(item, schema["items"], f"{path}[{index}]")
    return problems


def _member_violations(value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    problems = [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            problems += _violations(item, properties[key], f"{path}.{key}")
        elif extra is False:
            problems.append(f"{path}: unexpected {key}")
        elif isinstance(extra, dict):
            problems += _violations(item, extra, f"{path}.{key}")
    return problems


@pytest.mark.parametrize("report", [full_report(), empty_report()], ids=["full", "empty"])
def test_output_follows_the_published_schema(report: Any) -> None:
    assert _violations(stdlib_json.loads(json.render(report)), SCHEMA) == []


def test_the_checker_catches_a_document_that_drifted() -> None:
    document = stdlib_json.loads(json.render(full_report()))
    document["findings"][0]["severity"] = "urgent"
    del document["scanned"]["observed_at"]
    document["findings"][1]["remediation"]["rollback"] = "x"
    assert _violations(document, SCHEMA) == [
        "$.scanned: missing observed_at",
        "$.findings[0].severity: 'urgent' not in ['critical', 'high', 'medium', 'low', 'info']",
        "$.findings[1].remediation: unexpected rollback",
    ]


def test_keys_come_out_in_the_documented_order() -> None:
    document = stdlib_json.loads(json.render(full_report()))
    assert list(document) == SCHEMA["required"]
    assert list(document["findings"][0]) == SCHEMA["$defs"]["finding"]["required"]
    assert list(document["scanned"]) == SCHEMA["$defs"]["scanned"]["required"]


def test_missing_times_and_patches_are_null_not_absent() -> None:
    report = full_report()
    low = stdlib_json.loads(json.render(report))["findings"][3]
    assert (low["first_seen"], low["last_seen"], low["remediation"]["patch"]) == (None,) * 3
    assert low["affected"] == []


def test_objects_are_sorted_by_kind_whatever_the_input_order() -> None:
    report = full_report()
    shuffled = replace(report, scope=replace(report.scope, objects={"Pod": 1, "Event": 2}))
    document = stdlib_json.loads(json.render(shuffled))
    assert list(document["scanned"]["objects"]) == ["Event", "Pod"]


def _documented_fields(schema: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for node in [schema, *schema["$defs"].values()]:
        for name, sub in node.get("properties", {}).items():
            names.add(name)
            names |= set(sub.get("properties", {}))
    return names


def test_every_field_is_documented() -> None:
    page = (DOCS / "json-output.md").read_text(encoding="utf-8")
    missing = sorted(n for n in _documented_fields(SCHEMA) if f"`{n}`" not in page)
    assert missing == []
