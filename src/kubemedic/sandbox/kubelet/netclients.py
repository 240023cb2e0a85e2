"""``wget``, ``curl``, ``nc`` and ``nslookup`` over the simulated cluster network.

Each prints what the real client prints for what happened: an unknown name (``wget: bad
address 'x'``, ``curl: (6) Could not resolve host: x``), a refused connection (no endpoints,
nothing listening), a connection a NetworkPolicy drops (the client waits out its timeout:
``wget: download timed out``, ``curl: (28) Connection timed out after 5001 milliseconds``), or
the server's HTTP status (``wget: server returned error: HTTP/1.1 404 Not Found``, ``curl -f``'s
``(22)``). ``wget`` and ``nc`` are BusyBox's, ``curl`` is curl 8's. Bodies are not simulated.
``kubectl`` talks to the API server (see ``incluster``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus

from kubemedic.sandbox.kubelet.incluster import kubectl
from kubemedic.sandbox.kubelet.network import DNS_SERVICE_IP, Connection
from kubemedic.sandbox.kubelet.process import Foreground, Listener, Step, Usage
from kubemedic.sandbox.kubelet.programs import Program, RunContext, seconds

CONNECT_TIMEOUT = 127.0  # Linux gives up a SYN after 6 retries (tcp_syn_retries)
DNS_TIMEOUT = 10.0  # resolv.conf's 5 s timeout, two attempts
_WGET_VALUES = frozenset({"-O", "-T", "-o", "-U", "-P", "-Y", "--header", "-e"})
_CURL_VALUES = frozenset(
    {
        "-o",
        "--output",
        "-m",
        "--max-time",
        "--connect-timeout",
        "-H",
        "--header",
        "-X",
        "--request",
        "-d",
        "--data",
        "-u",
        "--user",
        "-A",
        "--user-agent",
        "-w",
        "--write-out",
        "-e",
        "--retry",
        "-x",
        "--resolve",
        "-T",
    }
)


@dataclass(frozen=True, slots=True)
class Url:
    host: str
    port: int
    path: str


def _url(text: str, default_port: int = 80) -> Url:
    scheme, _, rest = text.rpartition("://")
    port = 443 if scheme == "https" else default_port
    authority, slash, path = rest.partition("/")
    host, _, port_text = authority.rpartition(":") if ":" in authority else (authority, "", "")
    return Url(host, int(port_text) if port_text.isdigit() else port, "/" + path if slash else "/")


def _split(argv: Sequence[str], takes_value: frozenset[str]) -> tuple[dict[str, str], list[str]]:
    """Options (a value, or "" for a flag) and operands; ``-qO-`` style bundles are unpacked."""
    options: dict[str, str] = {}
    operands: list[str] = []
    args = list(argv[1:])
    while args:
        arg = args.pop(0)
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            options[name] = value if eq else (args.pop(0) if name in takes_value and args else "")
        elif arg.startswith("-") and len(arg) > 1:
            for index, letter in enumerate(arg[1:], 1):
                flag = f"-{letter}"
                if flag in takes_value:
                    rest = arg[index + 1 :]
                    options[flag] = rest if rest else (args.pop(0) if args else "")
                    break
                options[flag] = ""
        else:
            operands.append(arg)
    return options, operands


def _resolve(ctx: RunContext, host: str) -> tuple[str | None, float]:
    """(address, seconds spent) for ``host``; None when it does not resolve."""
    network = ctx.network
    if network is None:
        return None, 0.0
    if not network.dns_reachable() and not re.fullmatch(r"[\d.]+", host):
        return None, DNS_TIMEOUT
    return network.lookup(host), 0.0


def _connect(ctx: RunContext, ip: str, port: int) -> Connection:
    assert ctx.network is not None  # only called once a name resolved
    return ctx.network.connect(ip, port)


def _timeout(options: dict[str, str], *names: str) -> float | None:
    values = [seconds(options[n]) for n in names if n in options]
    known = [v for v in values if v is not None]
    return min(known) if known else None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def wget(argv: Sequence[str], ctx: RunContext) -> Step:
    options, operands = _split(argv, _WGET_VALUES)
    if not operands:
        return Step.say("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.", status=1)
    url = _url(operands[0])
    ip, spent = _resolve(ctx, url.host)
    if ip is None:
        return Step.say(f"wget: bad address '{url.host}'", status=1, duration=spent)
    connection = _connect(ctx, ip, url.port)
    quiet = "-q" in options
    lines = [] if quiet else [f"Connecting to {url.host}:{url.port} ({ip}:{url.port})"]
    if connection.result == "refused":
        lines.append(f"wget: can't connect to remote host ({ip}): Connection refused")
        return Step.say(*lines, status=1, duration=spent)
    if connection.result == "timeout":
        limit = _timeout(options, "-T", "--timeout")
        if limit is not None and limit < CONNECT_TIMEOUT:
            lines.append("wget: download timed out")
            return Step.say(*lines, status=1, duration=spent + limit)
        lines.append(f"wget: can't connect to remote host ({ip}): Connection timed out")
        return Step.say(*lines, status=1, duration=spent + CONNECT_TIMEOUT)
    if connection.listener is not None and not connection.listener.http:
        lines.append("wget: error getting response: Connection reset by peer")
        return Step.say(*lines, status=1, duration=spent)
    status = connection.status(url.path)
    if status >= 400:
        lines.append(f"wget: server returned error: HTTP/1.1 {status} {_reason(status)}")
        return Step.say(*lines, status=1, duration=spent)
    if not quiet and "--spider" not in options:
        target = options.get("-O") or posixpath.basename(url.path) or "index.html"
        lines += (
            ["writing to stdout", "written to stdout"]
            if target == "-"
            else [f"saving to '{target}'", f"'{target}' saved"]
        )
    return Step.say(*lines, duration=spent)


def curl(argv: Sequence[str], ctx: RunContext) -> Step:
    options, operands = _split(argv, _CURL_VALUES)
    if not operands:
        return Step.say("curl: try 'curl --help' or 'curl --manual' for more information", status=2)
    url = _url(operands[0])
    silent = ("-s" in options or "--silent" in options) and not (
        "-S" in options or "--show-error" in options
    )

    def fail(message: str, code: int, duration: float) -> Step:
        return Step.say(
            *([] if silent else [f"curl: ({code}) {message}"]), status=code, duration=duration
        )

    ip, spent = _resolve(ctx, url.host)
    if ip is None:
        return fail(f"Could not resolve host: {url.host}", 6, spent)
    connection = _connect(ctx, ip, url.port)
    if connection.result == "refused":
        return fail(
            f"Failed to connect to {url.host} port {url.port} after 1 ms: "
            "Couldn't connect to server",
            7,
            spent,
        )
    if connection.result == "timeout":
        limit = _timeout(options, "-m", "--max-time", "--connect-timeout") or CONNECT_TIMEOUT
        limit = min(limit, CONNECT_TIMEOUT)
        return fail(
            f"Connection timed out after {int(limit * 1000) + 1} milliseconds", 28, spent + limit
        )
    if connection.listener is not None and not connection.listener.http:
        return fail("Recv failure: Connection reset by peer", 56, spent)
    status = connection.status(url.path)
    lines: list[str] = []
    if "-I" in options or "-i" in options or "--head" in options:
        lines.append(f"HTTP/1.1 {status} {_reason(status)}")
    written = options.get("-w") or options.get("--write-out")
    if written:
        lines.append(written.replace("%{http_code}", str(status)).replace("\\n", ""))
    if status >= 400 and ("-f" in options or "--fail" in options):
        return Step(
            lines=tuple((0.0, line) for line in lines)
            + (
                () if silent else ((0.0, f"curl: (22) The requested URL returned error: {status}"),)
            ),
            status=22,
            duration=spent,
        )
    return Step.say(*lines, duration=spent)


def nc(argv: Sequence[str], ctx: RunContext) -> Step:
    options, operands = _split(argv, frozenset({"-w", "-p", "-i", "-s", "-e"}))
    if "-l" in options or "-lk" in options:
        port_text = options.get("-p") or (operands[0] if operands else "")
        if not port_text.isdigit():
            return Step.say("nc: bad local port", status=1)
        return Step(
            foreground=Foreground(listeners={int(port_text): Listener(http=False)}),
            usage=Usage(cpu_cores=0.0005, memory_bytes=0.5 * 2**20),
        )
    if len(operands) < 2 or not operands[1].isdigit():
        return Step.say("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.", status=1)
    host, port = operands[0], int(operands[1])
    ip, spent = _resolve(ctx, host)
    if ip is None:
        return Step.say(f"nc: bad address '{host}'", status=1, duration=spent)
    connection = _connect(ctx, ip, port)
    if connection.result == "refused":
        return Step.say(
            f"nc: can't connect to remote host ({ip}): Connection refused", status=1, duration=spent
        )
    if connection.result == "timeout":
        limit = min(_timeout(options, "-w") or CONNECT_TIMEOUT, CONNECT_TIMEOUT)
        text = (
            "nc: timed out"
            if limit < CONNECT_TIMEOUT
            else (f"nc: can't connect to remote host ({ip}): Connection timed out")
        )
        return Step.say(text, status=1, duration=spent + limit)
    verbose = "-v" in options
    return Step.say(*([f"{host} ({ip}:{port}) open"] if verbose else []), duration=spent)


def nslookup(argv: Sequence[str], ctx: RunContext) -> Step:
    operands = [a for a in argv[1:] if not a.startswith("-")]
    if not operands:
        return Step.say("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.", status=1)
    host = operands[0]
    network = ctx.network
    if network is not None and not network.dns_reachable():
        return Step.say(
            ";; connection timed out; no servers could be reached", status=1, duration=DNS_TIMEOUT
        )
    ip = network.lookup(host) if network is not None else None
    server = [f"Server:\t\t{DNS_SERVICE_IP}", f"Address:\t{DNS_SERVICE_IP}:53", ""]
    if ip is None:
        return Step.say(*server, f"** server can't find {host}: NXDOMAIN", "", status=1)
    return Step.say(*server, f"Name:\t{_fqdn(host, ctx)}", f"Address: {ip}", "")


def _fqdn(host: str, ctx: RunContext) -> str:
    if "." in host or ctx.network is None:
        return host
    return f"{host}.{ctx.network.namespace}.svc.cluster.local"


NETWORK_PROGRAMS: dict[str, Program] = {
    "wget": wget,
    "curl": curl,
    "nc": nc,
    "nslookup": nslookup,
    "kubectl": kubectl,
}
