"""Where a ConfigMap's earlier data comes from: an operation record, or a saved manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operation_record import OperationRecord
from kubemedic.services.workspace import Workspace


def earlier_data(
    ws: Workspace, ref: ObjectRef, from_record: str | None, from_file: Path | None
) -> dict[str, str]:
    """The data to restore ``ref`` to, from an operation record or a saved manifest."""
    if from_file is not None:
        return configmap_data_from_file(from_file, ref)
    return recorded_configmap_data(ws, str(from_record), ref)


def recorded_configmap_data(ws: Workspace, record_id: str, ref: ObjectRef) -> dict[str, str]:
    """The data ``ref`` held before operation ``record_id`` changed it."""
    op = OperationRecord(ws.store.load(record_id))
    started = op.record.first("execution-started")
    prior = started.data.get("prior_object") if started else None
    if op.change.target.kind != "ConfigMap" or op.change.target.name != ref.name or not prior:
        raise InputError(
            f"operation {record_id} holds no earlier data of configmap {ref.name}",
            hint="name an executed operation that changed this ConfigMap",
        )
    return _strings(dig(prior, "data") or {}, f"record {record_id}")


def configmap_data_from_file(path: Path, ref: ObjectRef) -> dict[str, str]:
    """The data of a saved ConfigMap manifest (YAML or JSON)."""
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}): not a YAML or JSON file", path=str(path)
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", path=str(path)
        ) from None
    if not isinstance(document, dict) or document.get("kind") != "ConfigMap":
        raise InputError("expected a ConfigMap manifest (kind: ConfigMap)", path=str(path))
    name = dig(document, "metadata", "name")
    if name and name != ref.name:
        raise InputError(f"the manifest is configmap {name}, not {ref.name}", path=str(path))
    return _strings(document.get("data") or {}, str(path))


def _strings(data: Any, where: str) -> dict[str, str]:
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError(f"{where}: ConfigMap data must map keys to strings")
    return {str(k): v for k, v in data.items()}
