"""What a single log line says went wrong, and what it names.

The patterns are the exact wording runtimes, shells, languages and client libraries use:
runc's ``exec format error``, ``sh: 1: foo: not found``, Python's ``KeyError: 'X'``, Go's
``dial tcp host:port: connect: connection refused``, Node's ``ECONNREFUSED``, Java's
``UnknownHostException``. Each names a kind of cause and, where it can, its subject — the
variable, the path, the host:port — so a finding can say exactly what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from kubemedic.analyzers._image_rules import REFUSALS


class LogKind(StrEnum):
    """What a decisive log line says went wrong."""

    EXEC_FORMAT = "exec-format"
    COMMAND_NOT_FOUND = "command-not-found"
    EXEC_PERMISSION = "exec-permission"
    PORT_PERMISSION = "port-permission"
    FILE_PERMISSION = "file-permission"
    READ_ONLY_FS = "read-only-fs"
    AUTH_FAILED = "auth-failed"
    MISSING_ENV = "missing-env"
    MISSING_MODULE = "missing-module"
    MISSING_FILE = "missing-file"
    ADDRESS_IN_USE = "address-in-use"
    HEAP_EXHAUSTED = "heap-exhausted"
    DNS = "dns"
    CONNECTION_REFUSED = "connection-refused"
    USAGE = "usage"
    DATA_DIR = "data-dir"
    KERNEL_SETTING = "kernel-setting"
    BAD_CONFIG = "bad-config"
    EXCEPTION = "exception"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: LogKind
    pattern: re.Pattern[str]
    default_subject: str = ""


def _rules(kind: LogKind, *patterns: str) -> tuple[_Rule, ...]:
    return tuple(_Rule(kind, re.compile(p)) for p in patterns)


PHRASES: dict[LogKind, tuple[str, str]] = {
    LogKind.MISSING_ENV: (
        "the environment variable {} it requires is not set",
        "an environment variable it requires is not set",
    ),
    LogKind.MISSING_FILE: (
        "the file {} it reads does not exist in the container",
        "a file it reads does not exist in the container",
    ),
    LogKind.MISSING_MODULE: ("{} is missing from the image", "a module it loads is missing"),
    LogKind.AUTH_FAILED: (
        "the server rejects the credentials of user {}",
        "a server rejects the credentials it uses",
    ),
    LogKind.ADDRESS_IN_USE: (
        "the address {} it listens on is already taken",
        "the address it listens on is already taken",
    ),
    LogKind.HEAP_EXHAUSTED: ("its runtime ran out of memory ({})", "its runtime ran out of heap"),
    LogKind.DNS: ("the host name {} does not resolve", "a host name it needs does not resolve"),
    LogKind.CONNECTION_REFUSED: (
        "its dependency {} refused the connection",
        "a dependency refused the connection",
    ),
    LogKind.USAGE: (
        "it was started with arguments it does not accept ({})",
        "it was started with arguments it does not accept",
    ),
    LogKind.DATA_DIR: (
        "its data directory {} is not in the state it needs",
        "its data directory is not in the state it needs",
    ),
    LogKind.KERNEL_SETTING: (
        "the node's kernel setting ({}) is below what it checks for",
        "a kernel setting of the node is below what it checks for",
    ),
    LogKind.BAD_CONFIG: ("its configuration {} is invalid", "its configuration is invalid"),
    LogKind.EXCEPTION: ("an unhandled exception ended it", "an unhandled exception ended it"),
    LogKind.ERROR: ("it reported an error and exited", "it reported an error and exited"),
}
"""Why a container exits, per kind, as a clause: (naming the line's subject, naming none)."""


_HOST_PORT = r"(?P<subject>\[[0-9a-fA-F:]+\]:\d+|[\w.-]+:\d+)"

# Order matters: a line is classified by the first rule that matches it, most specific first;
# the known refusals of well-known images (``_image_rules``) come before the generic wording.
_SPECIFIC: tuple[_Rule, ...] = (
    *(_Rule(LogKind(r.kind), r.pattern, r.subject) for r in REFUSALS),
    *_rules(
        LogKind.EXEC_FORMAT,
        r"exec (?P<subject>/\S+): exec format error",
        r"exec format error",
    ),
    *_rules(
        LogKind.COMMAND_NOT_FOUND,
        r'exec: "(?P<subject>[^"]+)": executable file not found in \$PATH',
        r'exec:? "?(?P<subject>/[^":\s]+)"?: (?:stat \S+: )?no such file or directory',
        r"exec user process caused:? \"?no such file or directory",
        r"env: ['‘\"]?(?P<subject>[^'’\":\s]+)['’\"]?: No such file or directory",
        r"(?:^|\s)\S+: (?:\d+: )?(?:line \d+: )?(?P<subject>[^\s:]+): (?:command )?not found\s*$",
    ),
    *_rules(
        LogKind.EXEC_PERMISSION,
        r'exec:? "?(?P<subject>[^":\s]+)"?: permission denied',
        r"exec user process caused:? \"?permission denied",
        r"(?:^|\s)\S*sh: (?:\d+: )?(?:line \d+: )?(?P<subject>[^\s:]+): Permission denied\s*$",
    ),
    *_rules(
        LogKind.PORT_PERMISSION,
        r"listen tcp (?P<subject>\S*:\d+): bind: permission denied",
        r"bind\(\) to (?P<subject>\S+) failed \(13: Permission denied\)",
        r"listen EACCES: permission denied (?P<subject>\S+)",
    ),
    *_rules(
        LogKind.FILE_PERMISSION,
        r"\[Errno 13\] Permission denied: '(?P<subject>[^']+)'",
        r"EACCES: permission denied, \w+ '(?P<subject>[^']+)'",
        r"(?:open|mkdir|stat|remove|chmod|chown|rename|create) (?P<subject>/\S+): "
        r"permission denied",
        r'"(?P<subject>/[^"]+)" failed \(13: Permission denied\)',
        r"AccessDeniedException: (?P<subject>/\S+)",
        r"(?P<subject>/[\w./-]+) \(Permission denied\)",
        r"cannot (?:create directory|create regular file|touch|open|remove) ['‘\"]"
        r"(?P<subject>/[^'’\"]+)['’\"](?: for writing)?: Permission denied",
        r"can't create (?:directory )?'(?P<subject>/[^']+)': Permission denied",
        r"(?:chown|chmod|chgrp): changing (?:ownership|permissions) of ['‘]"
        r"(?P<subject>/[^'’]+)['’]: Operation not permitted",
        r'could not (?:change permissions of|create) directory "(?P<subject>/[^"]+)": '
        r"(?:Operation not permitted|Permission denied)",
        r'data directory "(?P<subject>/[^"]+)" has wrong ownership',
        r"(?P<subject>/[\w./-]+): handle-open: open: (?:Permission denied|Operation not permitted)",
        r"Can't create/write to file '(?P<subject>/[^']+)' \(Errcode: 13",
        r"Can't open the append-only file: Permission denied",
        r"(?i)permission denied",
    ),
    *_rules(
        LogKind.READ_ONLY_FS,
        r"\[Errno 30\] Read-only file system: '(?P<subject>[^']+)'",
        r"EROFS: read-only file system, \w+ '(?P<subject>[^']+)'",
        r"(?:open|mkdir|create) (?P<subject>/\S+): read-only file system",
        r"['‘\"](?P<subject>/[^'’\"]+)['’\"]: Read-only file system",
        r"(?i)read-only file system",
    ),
    *_rules(
        LogKind.MISSING_ENV,
        r"KeyError: ['\"](?P<subject>[A-Z][A-Z0-9_]{2,})['\"]",
        r"required key (?P<subject>\S+) missing value",
        r"['\"](?P<subject>[A-Za-z_]\w*)['\"] is a required variable",
        r"(?i)missing (?:required )?env(?:ironment)?(?: variable| var)?s?:? ['\"`]?"
        r"(?P<subject>[A-Za-z_]\w*)",
        r"(?i)env(?:ironment)?(?: variable| var) ['\"`]?(?P<subject>[A-Za-z_]\w*)['\"`]? (?:is )?"
        r"(?:not set|unset|undefined|not defined|missing|required|must be set|empty)",
        r"\b(?P<subject>[A-Z][A-Z0-9]*_[A-Z0-9_]+) (?:is )?(?:not set|unset|undefined|must be set|"
        r"is required|required but not set)",
    ),
    *_rules(
        LogKind.MISSING_MODULE,
        r"Cannot find module '(?P<subject>[^']+)'",
        r"No module named '?(?P<subject>[\w.]+)'?",
        r"(?:ClassNotFoundException|NoClassDefFoundError): (?P<subject>\S+)",
        r"Could not find or load main class (?P<subject>\S+)",
        r"error while loading shared libraries: (?P<subject>[^:]+): cannot open shared object file",
    ),
    *_rules(
        LogKind.MISSING_FILE,
        r"No such file or directory: ['\"](?P<subject>[^'\"]+)['\"]",
        r"ENOENT: no such file or directory, \w+ '(?P<subject>[^']+)'",
        r"(?:open|stat|lstat|read|readlink) (?P<subject>[\w./-]+): no such file or directory",
        r"FileNotFoundException: (?P<subject>\S+) \(No such file or directory\)",
        r"NoSuchFileException: (?P<subject>\S+)",
        r"(?P<subject>/[\w./-]+): No such file or directory",
        r"(?i)\bfile ['\"]?(?P<subject>/[\w./-]+)['\"]? (?:not found|does not exist)",
    ),
    *_rules(
        LogKind.AUTH_FAILED,
        r'password authentication failed for user "(?P<subject>[^"]+)"',
        r"Access denied for user '(?P<subject>[^']+)'",
        r"WRONGPASS|NOAUTH Authentication required",
        r"(?i)(?:SASL )?authentication failed",
    ),
    *_rules(
        LogKind.ADDRESS_IN_USE,
        r"listen tcp (?P<subject>\S*:\d+): bind: address already in use",
        r"EADDRINUSE: address already in use (?P<subject>\S+)",
        r"bind\(\) to (?P<subject>\S+) failed \(98: Address already in use\)",
        r"(?i)port (?P<subject>\d+) (?:was |is )?already in use",
        r"(?i)address already in use",
    ),
    *_rules(
        LogKind.HEAP_EXHAUSTED,
        r"JavaScript heap out of memory",
        r"Reached heap limit",
        r"java\.lang\.OutOfMemoryError(?:: (?P<subject>.+))?",
        r"fatal error: runtime: out of memory",
        r"^MemoryError\b",
    ),
    *_rules(
        LogKind.DNS,
        r"lookup (?P<subject>[\w.-]+)(?: on \S+)?: (?:no such host|server misbehaving)",
        r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (?P<subject>[\w.-]+)",
        r"Could not resolve host: (?P<subject>[\w.-]+)",
        r'could not translate host name "(?P<subject>[^"]+)" to address',
        r"UnknownHostException: (?P<subject>[\w.-]+)",
        r"No resolvable bootstrap urls given",
        r"host='(?P<subject>[^']+)'.*(?:Name or service not known|Temporary failure in name "
        r"resolution|nodename nor servname)",
        r"Name or service not known|Temporary failure in name resolution|no such host",
    ),
    *_rules(
        LogKind.CONNECTION_REFUSED,
        rf"dial tcp {_HOST_PORT}: connect: connection refused",
        rf"ECONNREFUSED {_HOST_PORT}",
        r'connection to server at "(?P<host>[^"]+)"[^,]*, port (?P<port>\d+) failed: Connection '
        r"refused",
        r'Is the server running on host "(?P<host>[^"]+)".*port (?P<port>\d+)',
        r"host='(?P<host>[^']+)', port=(?P<port>\d+)\).*(?:Connection refused|Errno 111)",
        rf"(?:[Cc]onnecting|[Cc]onnection) to {_HOST_PORT}\.? (?:refused|Connection refused)",
        r"Failed to connect to (?P<host>[\w.-]+) port (?P<port>\d+)",
        r"(?i)connection refused",
    ),
    *_rules(
        LogKind.USAGE,
        r"flag provided but not defined: (?P<subject>-\S+)",
        r"unknown (?:shorthand )?flag: '?(?P<subject>-[^'\s]+)",
        r"\S+: error: (?:unrecognized arguments|the following arguments are required): "
        r"(?P<subject>.+)",
        r'unknown command "(?P<subject>[^"]+)"',
    ),
)

_NAMED_HOST = re.compile(r"\bhost=([A-Za-z][\w.-]*)")
_IP_PORT = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}:(\d+)$")


def classify_line(line: str) -> tuple[LogKind, str] | None:
    """The kind of cause a single line states, and what it names; None if it names none."""
    found = _first_rule(line)
    if found is None:
        return None
    rule, match = found
    subject = _subject(match) or rule.default_subject
    if rule.kind is LogKind.CONNECTION_REFUSED:
        subject = _named_host(line, subject)
    return rule.kind, subject


def first_match(line: str) -> tuple[LogKind, re.Match[str]] | None:
    found = _first_rule(line)
    return (found[0].kind, found[1]) if found else None


def _first_rule(line: str) -> tuple[_Rule, re.Match[str]] | None:
    for rule in _SPECIFIC:
        match = rule.pattern.search(line)
        if match is not None:
            return rule, match
    return None


def _named_host(line: str, subject: str) -> str:
    """``postgres:5432`` rather than ``10.0.148.22:5432`` when the line names the host too."""
    named = _NAMED_HOST.search(line)
    address = _IP_PORT.match(subject)
    return f"{named.group(1)}:{address.group(1)}" if named and address else subject


def _subject(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups.get("host") and groups.get("port"):
        return f"{groups['host']}:{groups['port']}"
    return (groups.get("subject") or "").strip()
