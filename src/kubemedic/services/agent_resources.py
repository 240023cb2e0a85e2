"""The reading matter kubemedic offers agents: the runbooks and the analyzers reference.

An agent that found ``crashloop.app-error`` can read ``kubemedic://runbooks/crashloop.app-error``
for the manual procedure, and ``kubemedic://docs/analyzers`` for what each analyzer looks at.
They are the Markdown pages of ``docs/`` in the source tree kubemedic runs from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kubemedic.errors import InputError

DOCS = Path(__file__).resolve().parents[3] / "docs"
RUNBOOKS = "kubemedic://runbooks/"
ANALYZERS = "kubemedic://docs/analyzers"


@dataclass(frozen=True, slots=True)
class DocResource:
    """One page an agent can read: its URI, name, description and file."""

    uri: str
    name: str
    description: str
    path: Path


def doc_resources(docs: Path = DOCS) -> tuple[DocResource, ...]:
    """The analyzers reference and every runbook found under ``docs``."""
    found = []
    analyzers = docs / "analyzers.md"
    if analyzers.is_file():
        found.append(
            DocResource(ANALYZERS, "analyzers", "What each analyzer detects and how.", analyzers)
        )
    for page in sorted((docs / "runbooks").glob("*.md")):
        found.append(
            DocResource(
                RUNBOOKS + page.stem,
                f"runbook {page.stem}",
                f"Runbook for {page.stem}: symptoms, manual procedure, causes, fixes.",
                page,
            )
        )
    return tuple(found)


def read_doc(uri: str, docs: Path = DOCS) -> str:
    """The Markdown of the page at ``uri``; ``InputError`` for an unknown one."""
    for resource in doc_resources(docs):
        if resource.uri == uri:
            return resource.path.read_text(encoding="utf-8")
    raise InputError(f"unknown resource {uri!r}", hint=f"runbooks are {RUNBOOKS}<category>")
