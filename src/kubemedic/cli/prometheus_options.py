"""The Prometheus options every command that reads Prometheus shares, and how they combine with
the settings' ``prometheus`` section (URL, token file, headers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kubemedic.errors import InputError

if TYPE_CHECKING:
    from kubemedic.config import Settings

PrometheusOption = Annotated[
    str | None,
    typer.Option(
        "--prometheus",
        envvar="KUBEMEDIC_PROMETHEUS_URL",
        help="Prometheus-compatible URL (Thanos, Mimir, VictoriaMetrics too). Default: the "
        "settings' prometheus.url.",
        show_default=False,
    ),
]
HeaderOption = Annotated[
    list[str] | None,
    typer.Option(
        "--prometheus-header",
        help="Extra HTTP header for Prometheus, 'Name: value' (repeatable). A bearer token "
        "comes from $KUBEMEDIC_PROMETHEUS_TOKEN or the settings' prometheus.token_file.",
        show_default=False,
    ),
]


def prometheus_headers(given: list[str] | None, settings: Settings) -> dict[str, str]:
    """The settings' headers, with the ``--prometheus-header`` ones over them."""
    headers = dict(settings.prometheus.headers)
    for item in given or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise InputError(f"--prometheus-header {item!r}: expected 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers
