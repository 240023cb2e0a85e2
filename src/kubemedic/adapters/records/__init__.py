"""The records repository: kubemedic's append-only audit trail, Markdown files in a git repository.

Every state change of a record is one commit authored by the person acting; with a remote every
commit is pushed (never forced), without one it is noted in a witness file outside history, so a
rewrite of history can be detected. Services reach git only through :class:`RecordsRepo`.
"""

from kubemedic.adapters.records.gitrepo import CommitResult, RecordsRepo
from kubemedic.adapters.records.history import CommitInfo, FileChange
from kubemedic.adapters.records.signing import SignatureCheck

__all__ = ["CommitInfo", "CommitResult", "FileChange", "RecordsRepo", "SignatureCheck"]
