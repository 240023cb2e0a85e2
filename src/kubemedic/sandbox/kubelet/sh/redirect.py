"""Redirections: ``>`` ``>>`` ``<`` ``<>`` ``n>&m`` ``n>&-`` and here-documents, opened on the
simulated file system the way dash and ash open them (and fail with their words)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kubemedic.sandbox.kubelet.sh.flavour import ShellError
from kubemedic.sandbox.kubelet.sh.fs import CHARACTER_DEVICES, STREAMS
from kubemedic.sandbox.kubelet.sh.streams import Channel, Fds, FileSink, NullSink, Source
from kubemedic.sandbox.kubelet.sh.syntax import Redirect

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.sh.interp import Interp


def open_redirects(shell: Interp, redirects: Sequence[Redirect]) -> Fds:
    """The file-descriptor table with ``redirects`` applied, or ShellError."""
    fds = dict(shell.fds)
    for redirect in redirects:
        channel = _open(shell, redirect, fds)
        for fd in (1, 2) if redirect.op == "&>" else (redirect.fd,):
            if channel is None:
                fds.pop(fd, None)
            else:
                fds[fd] = channel
    return fds


def _open(shell: Interp, redirect: Redirect, fds: Fds) -> Channel | None:
    """The channel ``redirect`` opens; None when it closes the descriptor (``n>&-``)."""
    status = 1 if shell.flavour.ash else 2
    doc = redirect.heredoc
    if doc is not None:
        if doc.body is None:
            return Source("")
        return Source(shell.expander.string(doc.body, quoted=True))
    assert redirect.target is not None
    target = shell.expander.string(redirect.target)
    if redirect.op in (">&", "<&"):
        if target == "-":
            return None
        if target.isdigit() and int(target) in fds:
            return fds[int(target)]
        raise ShellError("bad-fd", target, status=status, fatal=False)
    fs = shell.fs
    path = fs.path(target, shell.state.cwd)
    if path in STREAMS and STREAMS[path] in fds:
        return fds[STREAMS[path]]
    if redirect.op == "<":
        content = fs.read(path) if target else None
        if content is None:
            raise ShellError("open", target, status=status, fatal=False)
        return Source(content)
    if path in CHARACTER_DEVICES:
        return Source("") if redirect.op == "<>" else NullSink()
    problem = fs.problem_writing(path) if target else "create"
    if problem is not None:
        raise ShellError(problem, target, status=status, fatal=False)
    if redirect.op == ">" and "noclobber" in shell.state.options and fs.is_file(path):
        raise ShellError("clobber", target, status=status, fatal=False)
    if redirect.op == "<>":
        if not fs.exists(path):
            fs.write(path, "", shell.t, append=True)
        return Source(fs.read(path) or "")
    fs.write(path, "", shell.t, append=redirect.op == ">>")
    return FileSink(fs, path)
