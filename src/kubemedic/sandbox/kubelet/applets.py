"""File utilities scripts in manifests lean on: ``dd``, ``cp``, ``mv``, ``seq`` and friends.

They act on the simulated file system only (a ``dd`` of 100 MiB into ``/tmp`` creates the
file and reports what GNU or BusyBox ``dd`` would, without writing a byte anywhere), and print
what the real tools print for the arguments people use. Which image has which of them is
decided by ``bases``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from kubemedic.sandbox.kubelet.process import Step
from kubemedic.sandbox.kubelet.programs import Program, RunContext, find_executable, read_file

_UNITS = {
    "": 1,
    "c": 1,
    "w": 2,
    "b": 512,
    "k": 1024,
    "K": 1024,
    "M": 1024**2,
    "G": 1024**3,
    "kB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}
_DD_SECONDS = 0.05  # how long the simulated copy takes, whatever its size


def _busybox(ctx: RunContext) -> bool:
    return ctx.image.base in ("busybox", "alpine")


def _size(text: str) -> int | None:
    digits = text.rstrip("cwbkKMGB")
    unit = text[len(digits) :]
    if not digits.isdigit() or unit not in _UNITS:
        return None
    return int(digits) * _UNITS[unit]


def _dd(argv: Sequence[str], ctx: RunContext) -> Step:
    options = dict(a.split("=", 1) for a in argv[1:] if "=" in a)
    block = _size(options.get("bs", "512"))
    count = options.get("count")
    if block is None or (count is not None and not count.isdigit()):
        bad = options.get("bs", "") if block is None else count
        return Step.say(f"dd: invalid number '{bad}'", status=1)
    source = options.get("if", "-")
    if source != "-" and read_file(source, ctx) is None:
        return Step.say(f"dd: failed to open '{source}': No such file or directory", status=1)
    blocks = int(count) if count is not None else 0
    written = blocks * block
    rate = written / _DD_SECONDS
    if _busybox(ctx):
        summary = (
            f"{written} bytes ({written / 1024**2:.1f}MB) copied, {_DD_SECONDS:.6f} seconds, "
            f"{rate / 1024**3:.1f}GB/s"
        )
    else:
        summary = (
            f"{written} bytes ({_si(written)}, {_binary(written)}) copied, {_DD_SECONDS} s, "
            f"{rate / 1e9:.1f} GB/s"
        )
    target = options.get("of")
    changes = ((0.0, ctx.abspath(target), True),) if target else ()
    if target:
        ctx.files.add(ctx.abspath(target))
    return Step(
        lines=tuple(
            (_DD_SECONDS, line)
            for line in (f"{blocks}+0 records in", f"{blocks}+0 records out", summary)
        ),
        duration=_DD_SECONDS,
        file_changes=changes,
    )


def _si(amount: int) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if amount >= factor:
            return f"{amount / factor:.0f} {unit}"
    return f"{amount} B"


def _binary(amount: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if amount >= factor:
            return f"{amount / factor:.0f} {unit}"
    return f"{amount} B"


def _seq(argv: Sequence[str], ctx: RunContext) -> Step:
    numbers = [a for a in argv[1:] if a.lstrip("-").isdigit()]
    if not numbers or len(numbers) != len(argv) - 1 or len(numbers) > 3:
        return Step.say(
            "seq: missing operand" if not argv[1:] else "seq: invalid argument", status=1
        )
    first, step, last = 1, 1, int(numbers[-1])
    if len(numbers) >= 2:
        first = int(numbers[0])
    if len(numbers) == 3:
        step = int(numbers[1])
    if step == 0:
        return Step.say("seq: invalid Zero increment value: '0'", status=1)
    return Step.say(*(str(n) for n in range(first, last + (1 if step > 0 else -1), step)))


def _operands(argv: Sequence[str]) -> list[str]:
    return [a for a in argv[1:] if not a.startswith("-")]


def _basename(argv: Sequence[str], ctx: RunContext) -> Step:
    names = _operands(argv)
    if not names:
        return Step.say("basename: missing operand", status=1)
    base = posixpath.basename(names[0].rstrip("/")) or "/"
    if len(names) > 1 and base.endswith(names[1]) and base != names[1]:
        base = base[: -len(names[1])]
    return Step.say(base)


def _dirname(argv: Sequence[str], ctx: RunContext) -> Step:
    names = _operands(argv)
    if not names:
        return Step.say("dirname: missing operand", status=1)
    return Step.say(*(posixpath.dirname(n.rstrip("/")) or "." for n in names))


def _copy(*, move: bool) -> Program:
    def run(argv: Sequence[str], ctx: RunContext) -> Step:
        tool = "mv" if move else "cp"
        names = [ctx.abspath(n) for n in _operands(argv)]
        if len(names) < 2:
            return Step.say(f"{tool}: missing file operand", status=1)
        *sources, target = names
        missing = [s for s in sources if read_file(s, ctx) is None]
        if missing:
            verb = ("can't rename" if move else "can't stat") if _busybox(ctx) else "cannot stat"
            return Step.say(f"{tool}: {verb} '{missing[0]}': No such file or directory", status=1)
        changes = [(0.0, target, True)]
        ctx.files.add(target)
        if move:
            changes += [(0.0, s, False) for s in sources]
            ctx.files.difference_update(sources)
        return Step(file_changes=tuple(changes))

    return run


def _which(argv: Sequence[str], ctx: RunContext) -> Step:
    found = [find_executable(name, ctx.image) for name in _operands(argv)]
    paths = [f.path for f in found if f is not None and f.program is not None]
    return Step.say(*paths, status=0 if found and len(paths) == len(found) else 1)


def _quiet(argv: Sequence[str], ctx: RunContext) -> Step:
    """``sync``, ``chmod``, ``chown``, ``ln``: nothing to show in a simulated file system."""
    return Step()


APPLET_PROGRAMS: Mapping[str, Program] = {
    "dd": _dd,
    "seq": _seq,
    "which": _which,
    "basename": _basename,
    "dirname": _dirname,
    "cp": _copy(move=False),
    "mv": _copy(move=True),
    "sync": _quiet,
    "chmod": _quiet,
    "chown": _quiet,
    "ln": _quiet,
}
