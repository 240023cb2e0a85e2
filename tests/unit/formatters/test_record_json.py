"""Records as JSON data: every time comes out as the records write them (RFC 3339, UTC, Z),
also one the YAML of a hand-made or older record holds as a timestamp."""

from __future__ import annotations

from kubemedic.formatters.record_json import DOCUMENT_FIELDS, record_document, record_row
from kubemedic.models.records import parse

RECORD = """---
schema: kubemedic.record/v1
id: INC-20261207-000001
kind: incident
created_at: '2026-12-07T09:00:00Z'
onset_at: 2026-12-07 08:59:30
detected_at: 2026-12-07T10:00:00+01:00
review_on: 2026-12-24
title: A hand-made record
---

# A hand-made record

<!-- kubemedic:section 1 -->
## 1. opened

```yaml
seq: 1
event: opened
at: '2026-12-07T09:00:00Z'
actor: {name: Ada, email: ada@example.com}
state: open
prev_sha256: x
data: {seen_at: 2026-12-07T09:00:00.5Z}
```

Opened.
"""


def test_every_time_of_a_record_is_rfc_3339_utc_with_z() -> None:
    record = parse(RECORD, "incidents/INC-20261207-000001.md")
    document = record_document(record)
    assert tuple(document) == DOCUMENT_FIELDS
    assert record_row(record)["created_at"] == "2026-12-07T09:00:00Z"
    header = document["header"]
    assert (header["onset_at"], header["detected_at"]) == (
        "2026-12-07T08:59:30Z",  # no offset: UTC
        "2026-12-07T09:00:00Z",
    )
    assert header["review_on"] == "2026-12-24"
    [section] = document["sections"]
    assert section == {
        "seq": 1,
        "event": "opened",
        "at": "2026-12-07T09:00:00Z",
        "actor": "Ada <ada@example.com>",
        "state": "open",
        "data": {"seen_at": "2026-12-07T09:00:00Z"},
        "text": "Opened.",
    }
