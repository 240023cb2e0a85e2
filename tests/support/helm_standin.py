"""A stand-in for the ``helm`` executable, for tests on the sandbox cluster.

The real ``helm`` cannot be installed where these tests run (it is not packaged in Debian, and
the Go toolchain at hand is too old to build it), so kubemedic's Helm support is tested against
this program instead. It does what Helm 3 does for ``rollback``, ``history`` and ``status``, on
the same storage: each revision of a release is a Secret ``sh.helm.release.v1.NAME.vN`` of type
``helm.sh/release.v1``, labelled ``owner=helm, name, status, version``, whose ``release`` key
holds base64(gzip(JSON of the release)) — the release's name, namespace, version, info (status,
description, dates), chart metadata, values and the rendered ``manifest``. A rollback to
revision N applies N's manifest with the real ``kubectl apply`` (a three-way merge, as Helm's
own), marks the deployed revision ``superseded`` and writes revision max+1 as a copy of N with
the description ``Rollback to N``. Its output and error messages are Helm's.

``install(directory)`` writes an executable ``helm`` there that runs this file; ``seed_release``
writes a revision Secret the way ``helm install`` / ``helm upgrade`` would.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

SUCCESS = "Rollback was a success! Happy Helming!"


def install(directory: Path) -> Path:
    """An executable ``helm`` in ``directory`` that runs this stand-in with this Python."""
    directory.mkdir(parents=True, exist_ok=True)
    helm = directory / "helm"
    helm.write_text(
        f"#!{sys.executable}\nimport runpy, sys\n"
        f"runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__main__')\n"
    )
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return helm


def encode_release(release: dict[str, Any]) -> str:
    """What Helm stores under the Secret's ``release`` key (before the API's own base64)."""
    return base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()


def decode_release(stored: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(stored)))
    return data


def release_secret(release: dict[str, Any]) -> dict[str, Any]:
    """The Secret Helm 3 writes for one revision of a release."""
    name, version = release["name"], release["version"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{version}",
            "namespace": release["namespace"],
            "labels": {
                "owner": "helm",
                "name": name,
                "status": release["info"]["status"],
                "version": str(version),
                "modifiedAt": str(int(datetime.now(UTC).timestamp())),
            },
        },
        "data": {"release": base64.b64encode(encode_release(release).encode()).decode()},
    }


def new_release(
    name: str,
    namespace: str,
    version: int,
    manifest: str,
    *,
    status: str,
    description: str,
    chart_version: str = "0.1.0",
    app_version: str = "1.0.0",
) -> dict[str, Any]:
    """A release record as Helm keeps it (the fields ``rollback`` and ``history`` use)."""
    now = datetime.now(UTC).isoformat()
    return {
        "name": name,
        "namespace": namespace,
        "version": version,
        "info": {
            "first_deployed": now,
            "last_deployed": now,
            "deleted": "",
            "description": description,
            "status": status,
        },
        "chart": {"metadata": {"name": name, "version": chart_version, "appVersion": app_version}},
        "config": {},
        "manifest": manifest,
    }


class HelmError(Exception):
    pass


class _Kubectl:
    def __init__(self, kubeconfig: str | None, context: str | None) -> None:
        found = shutil.which("kubectl")
        if found is None:
            raise HelmError("Kubernetes cluster unreachable: kubectl not found")
        self.base = [found]
        if kubeconfig:
            self.base += ["--kubeconfig", kubeconfig]
        if context:
            self.base += ["--context", context]

    def run(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, input=stdin, check=False
        )
        if done.returncode != 0:
            raise HelmError(done.stderr.strip() or f"kubectl {args[0]} failed")
        return done.stdout

    def revisions(self, name: str, namespace: str) -> dict[int, dict[str, Any]]:
        listed = json.loads(
            self.run(
                "get", "secrets", "-n", namespace, "-l", f"owner=helm,name={name}", "-o", "json"
            )
        )
        found = {}
        for secret in listed["items"]:
            stored = base64.b64decode(secret["data"]["release"]).decode()
            release = decode_release(stored)
            found[int(release["version"])] = release
        if not found:
            raise HelmError("release: not found")
        return found

    def write(self, release: dict[str, Any]) -> None:
        self.run("apply", "-f", "-", stdin=json.dumps(release_secret(release)))


def _rollback(kubectl: _Kubectl, args: argparse.Namespace) -> str:
    revisions = kubectl.revisions(args.release, args.namespace)
    newest = max(revisions)
    target = int(args.revision) if args.revision else newest - 1
    if target not in revisions:
        raise HelmError(f"release has no {target} version")
    if args.dry_run:
        return SUCCESS
    manifest = revisions[target]["manifest"]
    kubectl.run("apply", "-n", args.namespace, "-f", "-", stdin=manifest)
    for release in revisions.values():
        if release["info"]["status"] == "deployed":
            release["info"]["status"] = "superseded"
            kubectl.write(release)
    copy = dict(revisions[target])
    copy["version"] = newest + 1
    copy["info"] = {
        **revisions[target]["info"],
        "status": "deployed",
        "description": f"Rollback to {target}",
        "last_deployed": datetime.now(UTC).isoformat(),
    }
    kubectl.write(copy)
    return SUCCESS


def _history(kubectl: _Kubectl, args: argparse.Namespace) -> str:
    revisions = kubectl.revisions(args.release, args.namespace)
    rows = [
        {
            "revision": version,
            "updated": release["info"]["last_deployed"],
            "status": release["info"]["status"],
            "chart": f"{release['chart']['metadata']['name']}-"
            f"{release['chart']['metadata']['version']}",
            "app_version": release["chart"]["metadata"]["appVersion"],
            "description": release["info"]["description"],
        }
        for version, release in sorted(revisions.items())
    ]
    if args.output == "json":
        return json.dumps(rows)
    if args.output == "yaml":
        return yaml.safe_dump(rows)
    lines = ["REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION"]
    lines += ["\t".join(str(row[key]) for key in row) for row in rows]
    return "\n".join(lines)


def _status(kubectl: _Kubectl, args: argparse.Namespace) -> str:
    revisions = kubectl.revisions(args.release, args.namespace)
    deployed = [r for r in revisions.values() if r["info"]["status"] == "deployed"]
    release = deployed[-1] if deployed else revisions[max(revisions)]
    if args.output == "json":
        return json.dumps(release)
    return (
        f"NAME: {release['name']}\nLAST DEPLOYED: {release['info']['last_deployed']}\n"
        f"NAMESPACE: {release['namespace']}\nSTATUS: {release['info']['status']}\n"
        f"REVISION: {release['version']}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helm")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--kube-context")
    parser.add_argument("-n", "--namespace", default="default")
    commands = parser.add_subparsers(dest="command", required=True)
    rollback = commands.add_parser("rollback")
    rollback.add_argument("release")
    rollback.add_argument("revision", nargs="?")
    rollback.add_argument("--dry-run", action="store_true")
    rollback.add_argument("--wait", default="false")
    for name in ("history", "status"):
        sub = commands.add_parser(name)
        sub.add_argument("release")
        sub.add_argument("-o", "--output", default="table")
    return parser


def main(argv: list[str]) -> int:
    # Helm's global flags may come anywhere: move them before the command, as argparse wants.
    known = {"--kubeconfig", "--kube-context", "-n", "--namespace"}
    front: list[str] = []
    rest: list[str] = []
    words = iter(argv)
    for word in words:
        if word in known:
            front += [word, next(words, "")]
        elif word.split("=", 1)[0] in known:
            front.append(word)
        else:
            rest.append(word)
    args = _parser().parse_args([*front, *rest])
    try:
        kubectl = _Kubectl(args.kubeconfig, args.kube_context)
        run = {"rollback": _rollback, "history": _history, "status": _status}[args.command]
        print(run(kubectl, args))
    except HelmError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
