"""Interpreters, network clients and test images, behaving as their real counterparts do.

``python app.py`` without the file fails like CPython, ``node`` like Node.js, ``java -jar`` like
the JVM; the network clients (``curl``, ``wget``, ``nc``, ``nslookup``, ``kubectl``) live in
``netclients``; agnhost, stress and http-echo do what their documentation says (the Kubernetes
docs' probe and OOM examples use them).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from kubemedic._internal.quantities import parse_quantity
from kubemedic.sandbox.kubelet.applets import APPLET_PROGRAMS
from kubemedic.sandbox.kubelet.interpreter import PythonJob, run_python
from kubemedic.sandbox.kubelet.netclients import NETWORK_PROGRAMS
from kubemedic.sandbox.kubelet.process import Foreground, Listener, MiB, Step, Usage
from kubemedic.sandbox.kubelet.programs import IDLE, Program, RunContext, read_file, seconds


def _python(argv: Sequence[str], ctx: RunContext) -> Step:
    args = list(argv[1:])
    unbuffered = False
    while args and args[0] in ("-u", "-B", "-E", "-I", "-O", "-OO", "-s", "-S", "-q"):
        unbuffered = unbuffered or args.pop(0) == "-u"
    if not args or args[0] in ("-V", "--version"):
        return Step.say("Python 3.12.7" if args[:1] in (["-V"], ["--version"]) else "")
    if args[0] == "-c" and len(args) > 1:
        return run_python(_job(args[1], "<string>", ["-c", *args[2:]], ctx, unbuffered))
    if args[0] == "-m" and len(args) > 1:
        if args[1] == "http.server":
            port = int(args[2]) if len(args) > 2 and args[2].isdigit() else 8000
            return _serve(
                {port: {"*": 200}},
                f"Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ...",
            )
        return Step.say(f"/usr/local/bin/python3: No module named {args[1]}", status=1)
    script = ctx.abspath(args[0])
    if script in ctx.contents:
        return run_python(_job(ctx.contents[script], script, [args[0], *args[1:]], ctx, unbuffered))
    if read_file(script, ctx) is None:
        return Step.say(
            f"{posixpath.basename(argv[0])}: can't open file '{script}': "
            "[Errno 2] No such file or directory",
            status=2,
        )
    return Step(foreground=Foreground(), usage=Usage(cpu_cores=0.01, memory_bytes=40 * MiB))


def _job(
    source: str, filename: str, argv: list[str], ctx: RunContext, unbuffered: bool
) -> PythonJob:
    """A script the container holds (a mount, a ``-c`` string) to run in the real interpreter."""
    return PythonJob(
        source=source,
        filename=filename,
        argv=tuple(argv),
        env=tuple(sorted(ctx.env.items())),
        files=tuple(sorted(ctx.contents.items())),
        cwd=ctx.working_dir,
        stdin=ctx.stdin,
        unbuffered=unbuffered,
        epoch=ctx.started_at.timestamp(),
    )


def _node(argv: Sequence[str], ctx: RunContext) -> Step:
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args:
        return Step()
    script = ctx.abspath(args[0])
    if read_file(script, ctx) is None:
        return Step.say(
            "node:internal/modules/cjs/loader:1228",
            "  throw err;",
            "  ^",
            "",
            f"Error: Cannot find module '{script}'",
            "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)",
            "    at node:internal/main/run_main_module:28:49 {",
            "  code: 'MODULE_NOT_FOUND',",
            "  requireStack: []",
            "}",
            "",
            "Node.js v20.18.0",
            status=1,
        )
    return Step(foreground=Foreground(), usage=Usage(cpu_cores=0.01, memory_bytes=45 * MiB))


def _java(argv: Sequence[str], ctx: RunContext) -> Step:
    if "-jar" in argv:
        index = list(argv).index("-jar")
        jar = argv[index + 1] if index + 1 < len(argv) else ""
        if read_file(jar, ctx) is None:
            return Step.say(f"Error: Unable to access jarfile {jar}", status=1)
        return Step(foreground=Foreground(), usage=Usage(cpu_cores=0.05, memory_bytes=300 * MiB))
    return Step.say("Usage: java [options] <mainclass> [args...]", status=1)


def _stress(argv: Sequence[str], ctx: RunContext) -> Step:
    options: dict[str, str] = {}
    for index, arg in enumerate(argv):
        if arg.startswith("--") and index + 1 < len(argv):
            options[arg[2:]] = argv[index + 1]
    if not options:
        return Step.say("`stress' imposes certain types of compute stress on your system", status=1)
    workers = int(options.get("vm", "0") or 0)
    per_worker = parse_quantity(options.get("vm-bytes", "256M").replace("B", "")) or 256e6
    cpus = int(options.get("cpu", "0") or 0)
    hogs = f"dispatching hogs: {cpus} cpu, 0 io, {workers} vm, 0 hdd"
    usage = Usage(cpu_cores=max(cpus, 0.05 * workers), memory_bytes=workers * per_worker + 1 * MiB)
    timeout = seconds(options.get("timeout", "infinity")) or float("inf")
    if timeout != float("inf"):
        return Step(lines=((0.0, f"stress: info: [1] {hogs}"),), duration=timeout, usage=usage)
    return Step(
        lines=((0.0, f"stress: info: [1] {hogs}"),),
        foreground=Foreground(),
        usage=usage,
        ramp_seconds=1.0,
    )


def _serve(
    routes: Mapping[int, Mapping[str, int]],
    *logs: str,
    failing_after: float | None = None,
    memory: float = 10 * MiB,
) -> Step:
    listeners = {
        port: Listener(routes=r, failing_after=failing_after) for port, r in routes.items()
    }
    return Step(
        lines=tuple((0.0, line) for line in logs),
        foreground=Foreground(listeners=listeners, ready_after=0.2),
        usage=Usage(
            cpu_cores=0.002, memory_bytes=memory, requests_per_second=1, cpu_per_request=0.001
        ),
    )


def _flag(argv: Sequence[str], name: str, default: str) -> str:
    for index, arg in enumerate(argv):
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
    return default


def _agnhost(argv: Sequence[str], ctx: RunContext) -> Step:
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "liveness":
        return _serve(
            {8080: {"/healthz": 200, "*": 200}},
            "Started HTTP server on port 8080",
            failing_after=10.0,
        )
    if mode == "netexec":
        port = int(_flag(argv, "--http-port", "8080"))
        return _serve({port: {"*": 200}}, f"Started HTTP server on port {port}")
    if mode == "serve-hostname":
        return _serve({9376: {"*": 200}}, "Serving on port 9376.")
    if mode == "test-webserver":
        return _serve({80: {"/": 200}}, "Serving on port 80.")
    if mode in ("pause", ""):
        return IDLE
    return Step.say(f'Error: unknown command "{mode}" for "agnhost"', status=1)


def _http_echo(argv: Sequence[str], ctx: RunContext) -> Step:
    text = _flag(argv, "-text", "")
    if not text:
        return Step.say("Error: Missing -text option!", status=127)
    listen = _flag(argv, "-listen", ":5678")
    port = int(listen.rsplit(":", 1)[-1]) if listen.rsplit(":", 1)[-1].isdigit() else 5678
    return _serve({port: {"*": 200}}, f"[INFO] server is listening on {listen}", memory=4 * MiB)


TOOL_PROGRAMS: Mapping[str, Program] = {
    **APPLET_PROGRAMS,
    **NETWORK_PROGRAMS,
    "python": _python,
    "node": _node,
    "java": _java,
    "stress": _stress,
    "agnhost": _agnhost,
    "http-echo": _http_echo,
    "report-worker": lambda argv, ctx: Step(
        lines=((0.5, "report-worker: waiting for jobs on queue 'reports'"),),
        foreground=Foreground(),
        usage=Usage(cpu_cores=0.005, memory_bytes=30 * MiB),
    ),
}
