"""The decisive line of a crash log: found, classified, located — from real log tails."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._log_rules import LogKind, classify_line
from kubemedic.analyzers._logs import brief, find_signature, last_line

PYTHON_ENV = """\
[2024-05-02 14:26:02 +0000] [7] [INFO] Booting worker with pid: 7
Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker
    worker.init_process()
  File "/app/orders/settings.py", line 14, in <module>
    DATABASE_URL = os.environ["DATABASE_URL"]
                   ~~~~~~~~~~^^^^^^^^^^^^^^^^
  File "<frozen os>", line 714, in __getitem__
KeyError: 'DATABASE_URL'
[2024-05-02 14:26:04 +0000] [1] [ERROR] Reason: Worker failed to boot.
"""

JAVA_CHAIN = """\
2024-07-09T16:06:30.118Z ERROR 1 --- [main] o.s.boot.SpringApplication : Application run failed

org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource'
\tat com.acme.catalog.CatalogApplication.main(CatalogApplication.java:17)
Caused by: org.postgresql.util.PSQLException: The connection attempt failed.
\t... 32 common frames omitted
Caused by: java.net.UnknownHostException: catalog-db
\tat java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)
\t... 40 common frames omitted
"""

GO_PANIC = """\
2024/09/03 08:01:12 opening shard store at /data/shards
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x9c4f1e]

goroutine 1 [running]:
main.(*Store).Open(0x0)
\t/src/internal/shard/store.go:88 +0x3e
main.main()
\t/src/cmd/indexer/main.go:31 +0x1a5
"""

NODE_MODULE = """\
node:internal/modules/cjs/loader:1080
  throw err;
  ^

Error: Cannot find module 'express'
Require stack:
- /app/server.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1077:15)
    at node:internal/main/run_main_module:23:47 {
  code: 'MODULE_NOT_FOUND',
  requireStack: [ '/app/server.js' ]
}

Node.js v18.17.0
"""

RETRY_THEN_GIVE_UP = """\
{"level":"info","msg":"connecting to database"}
{"level":"warn","msg":"retrying","error":"failed to connect to `host=postgres user=app`: dial error (dial tcp 10.0.148.22:5432: connect: connection refused)"}
{"level":"fatal","msg":"giving up after 5 attempts"}
"""  # noqa: E501 - a real JSON log line


@pytest.mark.parametrize(
    ("log", "kind", "line", "subject", "where"),
    [
        pytest.param(
            PYTHON_ENV,
            LogKind.MISSING_ENV,
            "KeyError: 'DATABASE_URL'",
            "DATABASE_URL",
            'File "/app/orders/settings.py", line 14, in <module>',
            id="python-keyerror-skips-library-frames",
        ),
        pytest.param(
            JAVA_CHAIN,
            LogKind.DNS,
            "Caused by: java.net.UnknownHostException: catalog-db",
            "catalog-db",
            "java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)",
            id="java-deepest-cause",
        ),
        pytest.param(
            GO_PANIC,
            LogKind.EXCEPTION,
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "",
            "main.(*Store).Open(0x0) in /src/internal/shard/store.go:88",
            id="go-panic-and-frame",
        ),
        pytest.param(
            NODE_MODULE,
            LogKind.MISSING_MODULE,
            "Error: Cannot find module 'express'",
            "express",
            "/app/server.js",
            id="node-missing-module",
        ),
        pytest.param(
            RETRY_THEN_GIVE_UP,
            LogKind.CONNECTION_REFUSED,
            None,
            "postgres:5432",
            "",
            id="json-retries-name-the-dependency",
        ),
    ],
)
def test_decisive_line_of_real_logs(
    log: str, kind: LogKind, line: str | None, subject: str, where: str
) -> None:
    signature = find_signature(log.splitlines())
    assert signature is not None
    assert signature.kind is kind
    if line is not None:
        assert signature.line == line
    assert signature.subject == subject
    assert signature.where == where


def test_the_final_error_after_the_cause_is_kept_as_context() -> None:
    signature = find_signature(RETRY_THEN_GIVE_UP.splitlines())
    assert signature is not None
    assert "giving up after 5 attempts" in signature.context
    assert signature.brief.startswith("retrying: failed to connect")


def test_java_chain_keeps_the_top_level_exception_as_context() -> None:
    signature = find_signature(JAVA_CHAIN.splitlines())
    assert signature is not None
    assert signature.context.startswith("org.springframework.beans.factory.BeanCreationException")


@pytest.mark.parametrize(
    ("line", "kind", "subject"),
    [
        (
            "exec /usr/local/bin/webhook: exec format error",
            LogKind.EXEC_FORMAT,
            "/usr/local/bin/webhook",
        ),
        (
            "standard_init_linux.go:228: exec user process caused: exec format error",
            LogKind.EXEC_FORMAT,
            "",
        ),
        ("/bin/sh: 1: gunicron: not found", LogKind.COMMAND_NOT_FOUND, "gunicron"),
        ("/bin/bash: line 1: celery: command not found", LogKind.COMMAND_NOT_FOUND, "celery"),
        ("env: 'python': No such file or directory", LogKind.COMMAND_NOT_FOUND, "python"),
        (
            'exec: "pyhton": executable file not found in $PATH: unknown',
            LogKind.COMMAND_NOT_FOUND,
            "pyhton",
        ),
        (
            'exec: "/app/start.sh": permission denied: unknown',
            LogKind.EXEC_PERMISSION,
            "/app/start.sh",
        ),
        ("listen tcp :80: bind: permission denied", LogKind.PORT_PERMISSION, ":80"),
        (
            "PermissionError: [Errno 13] Permission denied: '/data/out.csv'",
            LogKind.FILE_PERMISSION,
            "/data/out.csv",
        ),
        ("Environment variable DEPLOY_ENV is undefined", LogKind.MISSING_ENV, "DEPLOY_ENV"),
        (
            "main.go:41: required key DATABASE_URL missing value",
            LogKind.MISSING_ENV,
            "DATABASE_URL",
        ),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '/etc/app/config.yaml'",
            LogKind.MISSING_FILE,
            "/etc/app/config.yaml",
        ),
        (
            "open /config/app.yaml: no such file or directory",
            LogKind.MISSING_FILE,
            "/config/app.yaml",
        ),
        ("listen tcp :8080: bind: address already in use", LogKind.ADDRESS_IN_USE, ":8080"),
        (
            "Error: connect ECONNREFUSED 10.96.12.4:6379",
            LogKind.CONNECTION_REFUSED,
            "10.96.12.4:6379",
        ),
        (
            "Error 111 connecting to redis:6379. Connection refused.",
            LogKind.CONNECTION_REFUSED,
            "redis:6379",
        ),
        (
            "dial tcp: lookup postgres on 10.96.0.10:53: no such host",
            LogKind.DNS,
            "postgres",
        ),
        ("Error: getaddrinfo ENOTFOUND rabbitmq", LogKind.DNS, "rabbitmq"),
        (
            'FATAL:  password authentication failed for user "orders"',
            LogKind.AUTH_FAILED,
            "orders",
        ),
        (
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
            LogKind.HEAP_EXHAUSTED,
            "",
        ),
        ("flag provided but not defined: -listen", LogKind.USAGE, "-listen"),
    ],
)
def test_classify_line(line: str, kind: LogKind, subject: str) -> None:
    assert classify_line(line) == (kind, subject)


def test_ordinary_lines_name_no_cause() -> None:
    assert classify_line("2024/05/01 10:00:00 listening on :8080") is None


def test_a_clean_log_has_no_signature_but_a_last_line() -> None:
    lines = ["applying schema v42", "migrations done", ""]
    assert find_signature(lines) is None
    assert last_line(lines) == "migrations done"


def test_kubectl_timestamps_are_not_part_of_the_quote() -> None:
    signature = find_signature(["2024-05-01T10:00:00.123456789Z KeyError: 'API_TOKEN'"])
    assert signature is not None
    assert signature.line == "KeyError: 'API_TOKEN'"


def test_brief_keeps_the_cause_of_a_long_line_in_view() -> None:
    line = (
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "
        '"orders-db" (10.96.45.3), port 5432 failed: FATAL:  password authentication failed for '
        'user "orders"'
    )
    short = brief(line, limit=80)
    assert len(short) <= 80
    assert short.endswith('password authentication failed for user "orders"')
