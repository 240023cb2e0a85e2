"""The OIDC protocol client against a real provider on a loopback port (tests/support):
discovery, PKCE code exchange and every way an ID token must be refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from kubemedic.adapters.oidc import Attempt, OidcClient, Registration
from kubemedic.errors import ConfigError, Refused
from tests.support.oidc_provider import OidcProvider, running_provider

REDIRECT = "http://127.0.0.1:1/login/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def client(provider: OidcProvider) -> OidcClient:
    provider.spoil = ""
    registration = Registration(
        provider.client_id, REDIRECT, ("openid", "email"), provider.client_secret
    )
    return OidcClient(provider.issuer, registration, timeout=5)


def _code(client: OidcClient, attempt: Attempt) -> str:
    """What a browser brings back from /authorize: the code (the state checked on the way)."""
    answer = httpx.get(client.authorization_url(attempt))
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == [attempt.state]
    return back["code"][0]


def test_a_code_exchanged_with_its_pkce_verifier_gives_verified_claims(
    client: OidcClient, provider: OidcProvider
) -> None:
    attempt = Attempt.new()
    query = parse_qs(urlsplit(client.authorization_url(attempt)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] == [attempt.nonce]
    assert "code_verifier" not in query
    claims = client.verify(client.exchange(_code(client, attempt), attempt), attempt.nonce)
    assert (claims["email"], claims["groups"]) == ("olga@example.com", ["sre"])
    assert provider.token_requests[-1]["code_verifier"] == attempt.verifier


def test_a_public_client_proves_itself_by_pkce_alone() -> None:
    with running_provider(client_secret="") as public:
        client = OidcClient(
            public.issuer, Registration("kubemedic", REDIRECT, ("openid",)), timeout=5
        )
        attempt = Attempt.new()
        token = client.exchange(_code(client, attempt), attempt)
        assert client.verify(token, attempt.nonce)["sub"] == "u-1"


def test_a_code_with_another_sign_ins_verifier_is_refused_by_the_provider(
    client: OidcClient,
) -> None:
    attempt = Attempt.new()
    code = _code(client, attempt)
    with pytest.raises(Refused, match="refused the sign-in code: PKCE verifier is wrong"):
        client.exchange(code, Attempt.new())


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        ("aud", "it was issued to another client"),
        ("expired", "it has expired"),
        ("nonce", "its nonce is not this sign-in's"),
        ("signature", "its signature does not verify against the provider's keys"),
    ],
)
def test_a_spoiled_id_token_is_refused_saying_why(
    client: OidcClient, provider: OidcProvider, spoil: str, why: str
) -> None:
    attempt = Attempt.new()
    code = _code(client, attempt)
    provider.spoil = spoil
    token = client.exchange(code, attempt)
    with pytest.raises(Refused, match=why):
        client.verify(token, attempt.nonce)


def test_a_token_signed_with_a_shared_secret_is_never_accepted(
    client: OidcClient, provider: OidcProvider
) -> None:
    forged = jwt.encode(
        {"iss": provider.issuer, "aud": provider.client_id, "sub": "x", "nonce": "n"},
        "a-guessable-secret-of-at-least-32-bytes",
        algorithm="HS256",
        headers={"kid": "test-key-1"},
    )
    with pytest.raises(Refused, match="signed with HS256, which is not accepted"):
        client.verify(forged, "n")
    with pytest.raises(Refused, match="not a signed JWT"):
        client.verify("not-a-token", "n")


def test_a_provider_that_cannot_be_discovered_is_a_configuration_error(
    provider: OidcProvider,
) -> None:
    registration = Registration("kubemedic", REDIRECT, ("openid",))
    elsewhere = provider.issuer.replace("127.0.0.1", "localhost")
    with pytest.raises(
        ConfigError, match=re.escape(f"says its issuer is {provider.issuer}, not {elsewhere}")
    ):
        OidcClient(elsewhere, registration, timeout=5)
    with pytest.raises(ConfigError, match="answered 404"):
        OidcClient(f"{provider.issuer}/realms/none", registration, timeout=5)
    with pytest.raises(ConfigError, match=re.escape("discovery at http://127.0.0.1:9/.well-known")):
        OidcClient("http://127.0.0.1:9", registration, timeout=5)
