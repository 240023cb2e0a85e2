"""OIDC sign-in against a real provider on a loopback port (tests/support/oidc_provider.py):
the browser's whole round trip with httpx following the redirects, the session it ends with,
refused tokens back on the sign-in page, and a wrong issuer stopping the server's start."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from kubemedic.cli.app import run
from kubemedic.config import OidcSetting
from kubemedic.web.security import COOKIE_LIMIT
from tests.e2e.server import conftest
from tests.e2e.server.conftest import RunningServer, ServerFactory
from tests.support.oidc_provider import OidcProvider, running_provider

AWKWARD_SECRET = "s3:cr%3At+w\u00f6rd /=\u00e9"
"""A client secret with what form-urlencoding changes: ``:``, ``%``, ``+``, a space, non-ASCII."""


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with running_provider() as running:
        yield running


def _setting(provider: OidcProvider, secret: Path, port: int, **more: str) -> OidcSetting:
    secret.write_text(provider.client_secret + "\n")
    return OidcSetting(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret_file=secret,
        redirect_url=f"http://127.0.0.1:{port}/login/oidc/callback",
        name="Example SSO",
        **more,
    )


def _start(
    start_server: ServerFactory,
    provider: OidcProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    access_review: bool = False,
    **oidc: str,
) -> RunningServer:
    """The server on a port chosen first, since the provider must be told where to return."""
    port = conftest.free_port()
    monkeypatch.setattr(conftest, "free_port", lambda: port)
    setting = _setting(provider, tmp_path / "client-secret", port, **oidc)
    return start_server(
        oidc=setting, group_roles={"sre": ("operator",)}, access_review=access_review
    )


def test_signing_in_with_the_provider_gives_a_session_with_the_groups_roles(
    start_server: ServerFactory,
    provider: OidcProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = _start(start_server, provider, tmp_path, monkeypatch)
    browser = server.client()
    assert 'href="/login/oidc">Sign in with Example SSO</a>' in browser.get("/login").text

    done = browser.get("/login/oidc", follow_redirects=True)
    assert done.status_code == 200
    assert 'content="0;url=/"' in done.text
    assert [str(r.url.path) for r in done.history] == ["/login/oidc", "/authorize"]
    assert browser.get("/api/v1/me").json() == {
        "name": "olga@example.com",
        "email": "olga@example.com",
        "roles": ["operator"],
    }
    dashboard = browser.get("/")
    assert dashboard.status_code == 200
    assert "olga@example.com" in dashboard.text
    replay = browser.get(done.history[-1].headers["location"])
    assert replay.headers["location"].startswith("/login?error=Sign-in+refused")

    forged = server.client().get("/login/oidc/callback?state=s&code=c", follow_redirects=True)
    assert "was not started here: start again" in forged.text
    denied = server.client().get("/login/oidc/callback?error=access_denied", follow_redirects=True)
    assert "the identity provider did not sign you in: access_denied" in denied.text

    provider.claims = {"sub": "u-2", "email": "ada", "groups": []}
    namesake = server.client()
    assert namesake.get("/login/oidc", follow_redirects=True).status_code == 200
    assert namesake.get("/api/v1/me").json()["roles"] == [], "not the local account ada's"


def test_a_client_secret_with_reserved_and_non_ascii_characters_reaches_the_provider(
    start_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_provider(client_secret=AWKWARD_SECRET) as provider:
        server = _start(start_server, provider, tmp_path, monkeypatch)
        browser = server.client()
        done = browser.get("/login/oidc", follow_redirects=True)
        assert 'content="0;url=/"' in done.text, done.text
        assert browser.get("/api/v1/me").json()["roles"] == ["operator"]

        # the provider decodes the id and secret as RFC 6749 says: sent without
        # form-urlencoding them first, the same secret is not accepted
        attempt = {"redirect_uri": "http://client/cb", "nonce": "n", "code_challenge": "c"}
        code = provider.authorize(attempt).split("code=")[1].split("&")[0]
        raw = httpx.post(
            f"{provider.url}/token",
            data={"grant_type": "authorization_code", "code": code},
            auth=(provider.client_id, AWKWARD_SECRET),
        )
        assert (raw.status_code, raw.json()) == (401, {"error": "invalid_client"})


def test_a_user_in_hundreds_of_groups_signs_in_with_a_session_a_browser_keeps(
    start_server: ServerFactory,
    provider: OidcProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    directory_groups = [str(uuid.uuid4()) for _ in range(300)]  # as Entra ID sends group ids
    provider.claims["groups"] = [*directory_groups, "sre"]
    server = _start(start_server, provider, tmp_path, monkeypatch)
    browser = server.client()
    done = browser.get("/login/oidc", follow_redirects=True)
    assert 'content="0;url=/"' in done.text, done.text
    assert len(done.headers["set-cookie"]) <= COOKIE_LIMIT
    assert browser.get("/api/v1/me").json()["roles"] == ["operator"]


def test_a_session_too_large_for_a_cookie_is_refused_saying_why(
    start_server: ServerFactory,
    provider: OidcProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider.claims["groups"] = [str(uuid.uuid4()) for _ in range(300)]
    server = _start(start_server, provider, tmp_path, monkeypatch, access_review=True)
    browser = server.client()
    page = browser.get("/login/oidc", follow_redirects=True)
    assert (page.status_code, page.url.path) == (200, "/login")
    assert "Sign-in refused: the session of olga@example.com with the 300 groups" in page.text
    assert f"larger than the {COOKIE_LIMIT} bytes a browser keeps" in page.text
    assert "kubemedic_session" not in str(page.history[-1].headers.get_list("set-cookie"))
    assert browser.get("/api/v1/me").status_code == 401


def test_a_refused_id_token_goes_back_to_the_sign_in_page_saying_why(
    start_server: ServerFactory,
    provider: OidcProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = _start(start_server, provider, tmp_path, monkeypatch)
    spoiled = {
        "aud": "it was issued to another client (aud)",
        "expired": "it has expired",
        "nonce": "its nonce is not this sign-in&#39;s",
        "signature": "its signature does not verify against the provider&#39;s keys",
    }
    for spoil, why in spoiled.items():
        provider.spoil = spoil
        browser = server.client()
        with caplog.at_level(logging.WARNING, logger="kubemedic.services.oidc_signin"):
            page = browser.get("/login/oidc", follow_redirects=True)
        assert (page.status_code, page.url.path) == (200, "/login"), spoil
        assert f"Sign-in refused: the ID token is not accepted: {why}" in page.text
        assert browser.get("/api/v1/me").status_code == 401
    assert caplog.text.count("OIDC sign-in refused") == len(spoiled)


def test_a_wrong_issuer_stops_the_server_with_a_message_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = tmp_path / "kubemedic.yaml"
    oidc = {
        "issuer": "http://127.0.0.1:9",
        "client_id": "kubemedic",
        "redirect_url": "http://127.0.0.1:8080/login/oidc/callback",
    }
    config.write_text(yaml.safe_dump({"server": {"oidc": oidc}}))
    code = run(["--config", str(config), "serve", "--records", str(tmp_path / "records")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "server.oidc.issuer http://127.0.0.1:9: OIDC discovery at" in err
    assert "Traceback" not in err
