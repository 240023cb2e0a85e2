"""The one exception tree of kubemedic, and the exit code each branch maps to.

Every error a user can meet carries a message written for that user and a documented exit
code; adapters translate library exceptions into these at the boundary, so nothing above them
ever sees a raw ``urllib3`` or ``yaml`` error.

    KubemedicError                 exit 1 unless a subclass says otherwise
    ├── InputError                 exit 2  bad usage, unreadable or malformed input file
    ├── ConfigError                exit 2  bad settings, kubeconfig or context
    ├── ClusterError               exit 3  the cluster could not be asked
    │   ├── Unreachable                    the API server did not answer
    │   ├── Unauthorized                   401: credentials rejected
    │   ├── Forbidden                      403: names the verb and resource refused
    │   ├── NotFound                       404 for a named object
    │   └── Conflict                       409: stale resourceVersion or already exists
    ├── SandboxError               exit 4  the built-in sandbox cluster failed to start or stop
    ├── RecordsError               exit 5  the records repository cannot be read or written
    │   └── LockBusy                       another kubemedic holds the record's lock
    ├── Refused                    exit 6  governance refused the step (not approved, illegal
    │                                      transition, unmet condition, changed target, ...)
    ├── MetricsError               exit 7  usage history cannot be read: Prometheus unreachable,
    │                                      timed out or refused the query, a metric missing,
    │                                      the embedded store unreadable
    │   └── StoreCorrupt                   the embedded store file is not a usable database
    └── LlmError                   exit 8  the language model endpoint (``ask``, ``--explain``)
                                           failed: unreachable, timed out, refused, malformed
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_CLUSTER = 3
EXIT_SANDBOX = 4
EXIT_RECORDS = 5
EXIT_REFUSED = 6
EXIT_METRICS = 7
EXIT_LLM = 8


class KubemedicError(Exception):
    """Base of every error kubemedic reports to a user."""

    exit_code: int = EXIT_FINDINGS

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class InputError(KubemedicError):
    """A file, argument or object given to kubemedic cannot be used as it is."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}", hint=hint)
        self.path = path
        self.line = line


class ConfigError(KubemedicError):
    """Settings, kubeconfig or context that kubemedic cannot use."""

    exit_code = EXIT_USAGE


class ClusterError(KubemedicError):
    """The Kubernetes API could not answer what kubemedic asked."""

    exit_code = EXIT_CLUSTER


class Unreachable(ClusterError):
    """No answer from the API server (DNS, TCP, TLS or timeout)."""


class Unauthorized(ClusterError):
    """The API server rejected the credentials (HTTP 401)."""


class Forbidden(ClusterError):
    """RBAC refused a request (HTTP 403); the message names the verb and resource."""


class NotFound(ClusterError):
    """A named object does not exist (HTTP 404)."""


class Conflict(ClusterError):
    """The object changed since it was read, or already exists (HTTP 409)."""


class SandboxError(KubemedicError):
    """The built-in sandbox cluster could not be started, reached or stopped."""

    exit_code = EXIT_SANDBOX


class RecordsError(KubemedicError):
    """The records repository (the git audit trail) cannot be read or written."""

    exit_code = EXIT_RECORDS


class LockBusy(RecordsError):
    """Another kubemedic process holds the lock this step needs; nothing was changed."""


class Refused(KubemedicError):
    """Governance refused the step: it would break the lifecycle, the tier rules or a condition.

    Nothing was changed; the message says why and the hint what would make the step allowed.
    """

    exit_code = EXIT_REFUSED


class MetricsError(KubemedicError):
    """Usage history could not be read from Prometheus or the embedded store."""

    exit_code = EXIT_METRICS


class StoreCorrupt(MetricsError):
    """The embedded metrics store file exists but is not a database kubemedic can use."""


class LlmError(KubemedicError):
    """The configured language model could not answer: kubemedic's own findings still stand."""

    exit_code = EXIT_LLM
