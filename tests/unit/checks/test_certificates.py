"""TLS Secrets: the adapters keep the certificate's expiry and drop every value."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubemedic.adapters.kubernetes.objects import normalize
from kubemedic.checks import certificates
from kubemedic.models.security import CERTIFICATE_FIELD, AuditOptions

from .builders import MANIFESTS, NOW, obj, view


def _certificate(days_left: float) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shop.example.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=300))
        .not_valid_after(NOW + timedelta(days=days_left))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


def _tls_secret(name: str, days_left: float) -> dict[str, object]:
    cert, key = _certificate(days_left)
    data = {"tls.crt": base64.b64encode(cert).decode(), "tls.key": base64.b64encode(key).decode()}
    return obj("Secret", name, type="kubernetes.io/tls", data=data)


def test_the_adapter_keeps_the_expiry_and_drops_the_certificate_and_key() -> None:
    secret = _tls_secret("web-tls", 10)
    key_text = secret["data"]["tls.key"]  # type: ignore[index]
    normalized = normalize(secret)
    assert normalized["data"] == {"tls.crt": "", "tls.key": ""}
    assert set(normalized[CERTIFICATE_FIELD]) == {"notAfter"}
    assert key_text not in repr(normalized)


def test_a_plain_text_certificate_in_string_data_is_read_too() -> None:
    cert, _ = _certificate(3)
    secret = obj(
        "Secret", "web-tls", type="kubernetes.io/tls", stringData={"tls.crt": cert.decode()}
    )
    assert normalize(secret)[CERTIFICATE_FIELD]["notAfter"].startswith("2024-11-23")


@pytest.mark.parametrize(
    ("days_left", "severity", "wording"),
    [
        (-2, "critical", "expired 2d ago"),
        (5, "high", "expires in 5d"),
        (20, "medium", "expires in 20d"),
    ],
)
def test_expiry_severity_follows_the_days_left(days_left: int, severity: str, wording: str) -> None:
    [finding] = certificates.run(view(_tls_secret("web-tls", days_left)), MANIFESTS)
    assert (finding.id, finding.severity.value) == ("KM-SEC-TLS-EXPIRY", severity)
    assert wording in finding.summary
    assert finding.fix.commands[0].startswith("kubectl create secret tls web-tls -n shop")


def test_a_certificate_with_time_left_is_fine_and_the_window_is_an_option() -> None:
    secret = _tls_secret("web-tls", 60)
    assert list(certificates.run(view(secret), MANIFESTS)) == []
    wide = AuditOptions(complete=True, tls_expiry_days=90)
    assert [f.severity.value for f in certificates.run(view(secret), wide)] == ["medium"]


def test_garbage_in_tls_crt_is_reported_as_unreadable() -> None:
    data = {"tls.crt": base64.b64encode(b"not a certificate").decode(), "tls.key": ""}
    secret = obj("Secret", "web-tls", type="kubernetes.io/tls", data=data)
    [finding] = certificates.run(view(secret), MANIFESTS)
    assert finding.id == "KM-SEC-TLS-UNREADABLE"


def test_cert_manager_certificates_are_renewed_through_cert_manager() -> None:
    secret = _tls_secret("web-tls", 1)
    secret["metadata"]["annotations"] = {"cert-manager.io/certificate-name": "web"}  # type: ignore[index]
    [finding] = certificates.run(view(secret), MANIFESTS)
    assert finding.fix.commands == (
        "kubectl describe certificate web -n shop",
        "cmctl renew web -n shop",
    )
