"""Python scripts mounted into containers run for real, and cannot reach the host.

Each script runs through the kubelet's container start (``start_process``) as a ConfigMap
mount would give it to ``python /scripts/main.py``; the hostile ones try to read, write, run
or connect to something on the machine the sandbox runs on, and must fail as a container
without that thing would, leaving the host untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubemedic.sandbox.kubelet.catalog import builtin_catalog
from kubemedic.sandbox.kubelet.images import parse_reference
from kubemedic.sandbox.kubelet.mounted import executable_paths
from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.kubelet.shell import start_process

CATALOG = builtin_catalog()
SCRIPT = "/scripts/main.py"


def run_script(
    source: str,
    *,
    env: dict[str, str] | None = None,
    argv: list[str] | None = None,
    executables: frozenset[str] = frozenset(),
) -> Process:
    ref = parse_reference("python:3.12-slim")
    image = CATALOG.lookup(ref)
    assert image is not None
    context = RunContext(
        image=image,
        tag=ref.tag,
        env={"PYTHONUNBUFFERED": "1", **(env or {})},
        hostname="job-0",
        started_at=datetime(2024, 11, 20, tzinfo=UTC),
        contents={SCRIPT: source, "/config/settings.json": '{"retries": 3}\n'},
        executables=executables,
    )
    return start_process(argv or ["python", SCRIPT], context, node_arch="amd64")


def text(process: Process) -> list[str]:
    return [line for _, line in process.lines]


def test_output_sleeps_and_exit_codes_are_the_scripts_own() -> None:
    process = run_script(
        "import json, sys, time\n"
        "print('starting', flush=True)\n"
        "time.sleep(30)\n"
        "print('retries', json.load(open('/config/settings.json'))['retries'])\n"
        "sys.exit(4)\n"
    )
    assert process.lines == ((0.0, "starting"), (30.0, "retries 3"))
    assert (process.exit_at, process.exit_code) == (30.0, 4)


def test_an_uncaught_exception_prints_the_real_traceback_and_exits_1() -> None:
    process = run_script(
        "import os\n\ndef connect():\n    return os.environ['DATABASE_URL']\n\nconnect()\n"
    )
    assert text(process)[:6] + text(process)[-1:] == [
        "Traceback (most recent call last):",
        f'  File "{SCRIPT}", line 6, in <module>',
        "    connect()",
        f'  File "{SCRIPT}", line 4, in connect',
        "    return os.environ['DATABASE_URL']",
        "           ~~~~~~~~~~^^^^^^^^^^^^^^^^",
        "KeyError: 'DATABASE_URL'",
    ]
    assert process.exit_code == 1


def test_stdout_is_block_buffered_without_pythonunbuffered() -> None:
    loop = "import time\nwhile True:\n    print('tick')\n    time.sleep(10)\n"
    assert run_script(loop, env={"PYTHONUNBUFFERED": ""}).lines_until(3600) == []
    unbuffered = run_script(loop)
    assert unbuffered.runs_forever
    assert text(unbuffered)[:3] == ["tick"] * 3
    assert [at for at, _ in unbuffered.lines[:3]] == [0.0, 10.0, 20.0]
    month = unbuffered.lines_until(30 * 86400)  # the loop goes on past any horizon
    assert month[-1][1] == "tick"
    assert month[-1][0] > 30 * 86400 - 10


def test_the_script_sees_the_containers_files_not_the_hosts() -> None:
    process = run_script(
        "import os, pathlib\n"
        "os.environ['MODE'] = 'test'\n"
        "print(os.listdir('/config'), os.path.isfile('/config/settings.json'))\n"
        "print(pathlib.Path('/config/settings.json').read_text().strip())\n"
        "print(os.path.exists('/etc/passwd'), os.path.isdir('/root'), os.environ['MODE'])\n"
    )
    assert text(process) == [
        "['settings.json'] True",
        '{"retries": 3}',
        "False False test",
    ]


def test_python_c_runs_its_argument_and_sees_argv() -> None:
    process = run_script("", argv=["python", "-c", "import sys; print(sys.argv)", "x"])
    assert (text(process), process.exit_code) == (["['-c', 'x']"], 0)


def test_no_egress_names_do_not_resolve_and_addresses_refuse() -> None:
    process = run_script(
        "import socket\n"
        "for host in ('example.com', '10.0.0.1'):\n"
        "    try:\n"
        "        socket.create_connection((host, 80), timeout=3)\n"
        "    except OSError as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    assert text(process) == [
        "gaierror [Errno -2] Name or service not known",
        "ConnectionRefusedError [Errno 111] Connection refused",
    ]


def test_a_busy_loop_runs_for_ever_on_one_cpu_and_a_memory_bomb_grows() -> None:
    busy = run_script("while True:\n    pass\n")
    assert busy.runs_forever
    assert busy.usage.cpu_cores == 1.0
    bomb = run_script("hoard = []\nwhile True:\n    hoard.append(' ' * 10**7)\n")
    assert bomb.runs_forever
    assert bomb.usage.memory_growth > 0


HOSTILE = [
    ("print(open('/etc/passwd').read())", "FileNotFoundError"),
    ("print(open('/proc/self/environ').read())", "FileNotFoundError"),
    ("import io; print(io.FileIO('/etc/hostname').read())", "FileNotFoundError"),
    ("import os; print(os.read(os.open('/etc/passwd', os.O_RDONLY), 100))", "FileNotFoundError"),
    ("import posix; print(posix.listdir('/'))", "FileNotFoundError"),
    ("import os; os.system('id')", "PermissionError"),
    ("__import__('os').execv('/bin/sh', ['sh', '-c', 'id'])", "PermissionError"),
    ("import os; os.fork()", "PermissionError"),
    ("import os; os.kill(1, 9)", "PermissionError"),
    ("import subprocess; subprocess.run(['id'])", "ModuleNotFoundError"),
    ("import ctypes", "ModuleNotFoundError"),
    ("__import__('_ctypes')", "ModuleNotFoundError"),
    ("import socket; socket.socket().bind(('0.0.0.0', 8080))", "PermissionError"),
    ("import resource; resource.setrlimit(resource.RLIMIT_CPU, (-1, -1))", "PermissionError"),
    ("import marshal; marshal.loads(b'')", "PermissionError"),
    ("(lambda: 0).__code__.replace(co_consts=())", "PermissionError"),
    ("import gc; gc.get_objects()", "PermissionError"),
    (  # rebinding what the guard itself uses changes nothing
        "import posixpath; posixpath.realpath = lambda p, **k: p\n"
        "g = open.__globals__; g['_REFUSED'] = frozenset(); g['os'] = None\n"
        "import os; os.system('id')",
        "PermissionError",
    ),
    (  # a path that names one file when checked and another when opened
        "class P:\n"
        "    n = 0\n"
        "    def __fspath__(self):\n"
        "        P.n += 1\n"
        "        return '/etc/passwd' if P.n == 1 else __import__('os').__file__\n"
        "import _io; print(_io.FileIO(P()).read())",
        "FileNotFoundError",
    ),
    (
        "exec('import marshal; marshal.loads(b\"\")',\n"
        "     {'__name__': 'importlib._bootstrap_external'})",
        "PermissionError",
    ),
]


@pytest.mark.parametrize(("source", "error"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_hostile_scripts_fail_inside_the_container(source: str, error: str) -> None:
    process = run_script(source)
    assert process.exit_code == 1
    assert text(process)[-1].startswith(f"{error}:"), text(process)
    assert "root:" not in "\n".join(text(process))


def test_nothing_is_written_to_the_host(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    process = run_script(
        f"with open({str(target)!r}, 'w') as f:\n"
        "    f.write('x')\n"
        f"print(open({str(target)!r}).read())\n"
        f"import os; os.open({str(target) + '2'!r}, os.O_WRONLY | os.O_CREAT)\n"
    )
    assert text(process)[0] == "x"  # the container's own file system has it
    assert text(process)[-1].startswith("FileNotFoundError:")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        ("#!/usr/bin/env python3", "python ['/scripts/main.py', 'a']"),
        ("#!/bin/sh", "shell /scripts/main.py a"),
    ],
)
def test_an_executable_mount_runs_with_its_interpreter(first_line: str, expected: str) -> None:
    body = (
        "import sys; print('python', sys.argv)"
        if "python" in first_line
        else 'echo shell "$0" "$@"'
    )
    process = run_script(
        f"{first_line}\n{body}\n", argv=[SCRIPT, "a"], executables=frozenset({SCRIPT})
    )
    assert (text(process), process.exit_code) == ([expected], 0)


@pytest.mark.parametrize(
    ("source", "executable", "error"),
    [
        ("#!/bin/sh\necho hi\n", False, 'exec: "/scripts/main.py": permission denied'),
        ("echo hi\n", True, 'exec: "/scripts/main.py": exec format error'),
    ],
)
def test_a_mount_without_execute_bit_or_shebang_cannot_start(
    source: str, executable: bool, error: str
) -> None:
    process = run_script(
        source, argv=[SCRIPT], executables=frozenset({SCRIPT} if executable else set())
    )
    assert process.start_error == error


def test_modes_come_from_default_mode_and_items() -> None:
    pod = {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "volumeMounts": [
                        {"name": "run", "mountPath": "/scripts"},
                        {"name": "one", "mountPath": "/entry.sh", "subPath": "entry.sh"},
                    ],
                }
            ],
            "volumes": [
                {
                    "name": "run",
                    "configMap": {
                        "name": "s",
                        "defaultMode": 0o755,
                        "items": [
                            {"key": "a", "path": "a.sh"},
                            {"key": "b", "path": "b.txt", "mode": 0o644},
                        ],
                    },
                },
                {"name": "one", "secret": {"secretName": "t", "items": []}},
            ],
        }
    }
    contents = {"/scripts/a.sh": "", "/scripts/b.txt": "", "/entry.sh": ""}
    assert executable_paths(pod, contents) == frozenset({"/scripts/a.sh"})
