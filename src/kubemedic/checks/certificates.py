"""TLS certificates about to expire, or expired, in ``kubernetes.io/tls`` Secrets.

The Kubernetes adapters read ``notAfter`` from ``tls.crt`` as they drop the Secret's values
(``CERTIFICATE_FIELD``); the private key is never read. Time is the view's ``observed_at``:
an expired certificate is critical (clients refuse it now), one within a week high, one within
``--tls-expiry-days`` (30 by default) medium.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kubemedic._internal.timeutils import format_time, human_duration, parse_time
from kubemedic.checks._common import finding, rule, spec_fact
from kubemedic.checks._registry import Check
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import KObject
from kubemedic.models.security import CERTIFICATE_FIELD, AuditOptions, Fix, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "secrets"
_DAY = 86400.0
_SOON_DAYS = 7
_CERT_MANAGER = "cert-manager.io/certificate-name"

EXPIRY = rule(
    "KM-SEC-TLS-EXPIRY",
    "TLS certificate expired or expiring",
    Severity.HIGH,
    FAMILY,
    "A kubernetes.io/tls Secret's certificate is past its notAfter date (critical), within 7 "
    "days of it (high) or within the warning window (medium): clients will refuse it.",
)
UNREADABLE = rule(
    "KM-SEC-TLS-UNREADABLE",
    "TLS Secret holds no readable certificate",
    Severity.LOW,
    FAMILY,
    "tls.crt of a kubernetes.io/tls Secret is not a PEM X.509 certificate: whatever serves it "
    "fails its TLS handshakes.",
)


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    for secret in view.objects("Secret"):
        certificate = secret.raw.get(CERTIFICATE_FIELD)
        if not isinstance(certificate, Mapping):
            continue
        where = f"{secret.ref} data[tls.crt]"
        error = certificate.get("error")
        if isinstance(error, str):
            yield finding(
                UNREADABLE,
                secret.ref,
                f"Secret {secret.namespace}/{secret.name}: {error}",
                [spec_fact(error, where)],
                _renew(secret),
            )
            continue
        not_after = parse_time(certificate.get("notAfter"))
        if not_after is None:
            continue
        left = (not_after - view.observed_at).total_seconds()
        if left > options.tls_expiry_days * _DAY:
            continue
        if left <= 0:
            severity, when = Severity.CRITICAL, f"expired {human_duration(-left)} ago"
        else:
            severity = Severity.HIGH if left <= _SOON_DAYS * _DAY else Severity.MEDIUM
            when = f"expires in {human_duration(left)}"
        yield finding(
            EXPIRY,
            secret.ref,
            f"Secret {secret.namespace}/{secret.name}: the certificate {when}",
            [spec_fact(f"certificate notAfter {format_time(not_after)} ({when})", where)],
            _renew(secret),
            severity=severity,
            priority=-int(left // 3600),
        )


def _renew(secret: KObject) -> Fix:
    certificate = secret.annotations.get(_CERT_MANAGER)
    if certificate:
        return Fix(
            f"cert-manager manages it (Certificate {certificate}): find why renewal failed, "
            "then renew.",
            (
                f"kubectl describe certificate {certificate} -n {secret.namespace}",
                f"cmctl renew {certificate} -n {secret.namespace}",
            ),
        )
    return Fix(
        "Issue a new certificate and replace the Secret's tls.crt and tls.key (or let "
        "cert-manager manage it).",
        (
            f"kubectl create secret tls {secret.name} -n {secret.namespace} --cert=tls.crt "
            "--key=tls.key --dry-run=client -o yaml | kubectl apply -f -",
        ),
    )


CHECK = Check(
    name="certificates",
    description="TLS certificates in kubernetes.io/tls Secrets: expired or expiring",
    rules=(EXPIRY, UNREADABLE),
    run=run,
)
