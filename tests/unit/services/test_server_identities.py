"""Who the server says a session or account is: OIDC users get roles through the same mapping
as Kubernetes users, and under ``server.access_review`` each identity carries the Kubernetes
user the cluster checks; the OIDC sign-in's own settings fail with the setting's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.config import OidcSetting, ServerSetting, Settings
from kubemedic.errors import ConfigError, Refused
from kubemedic.models.identity import ClusterUser
from kubemedic.services.accounts import add_account
from kubemedic.services.oidc_signin import OidcSignIn
from kubemedic.services.server_access import Authenticator
from tests.support.oidc_provider import running_provider

REDIRECT = "http://127.0.0.1:8080/login/oidc/callback"
OIDC = OidcSetting(issuer="http://127.0.0.1:9", client_id="kubemedic", redirect_url=REDIRECT)


def _authenticator(tmp_path: Path, **server: object) -> Authenticator:
    users = tmp_path / "users.yaml"
    add_account(users, "ada", "a long password", ("architect",), "ada@example.com")
    return Authenticator(Settings(server=ServerSetting(users_file=users, **server)))  # type: ignore[arg-type]


def test_an_oidc_session_gets_roles_from_its_groups_and_never_a_local_accounts(
    tmp_path: Path,
) -> None:
    auth = _authenticator(tmp_path, oidc=OIDC, group_roles={"sre": ("operator",)})
    olga = auth.session("olga@example.com", ("sre",))
    assert olga is not None
    assert (olga.email, olga.roles, olga.reviewed_as) == (
        "olga@example.com",
        frozenset({"operator"}),
        None,
    )
    namesake = auth.session("ada", ())
    assert namesake is not None
    assert namesake.roles == frozenset()
    account = auth.session("ada", None)
    assert account is not None
    assert account.roles == frozenset({"architect"})


def test_an_oidc_session_ends_when_oidc_is_switched_off(tmp_path: Path) -> None:
    assert _authenticator(tmp_path).session("olga@example.com", ("sre",)) is None


def test_under_access_review_each_identity_carries_the_kubernetes_user_to_check(
    tmp_path: Path,
) -> None:
    auth = _authenticator(tmp_path, oidc=OIDC, access_review=True)
    olga = auth.session("olga@example.com", ("sre",))
    assert olga is not None
    assert olga.reviewed_as == ClusterUser("olga@example.com", ("sre",))
    unmapped = auth.account("ada")
    assert unmapped is not None
    assert unmapped.reviewed_as == ClusterUser("")
    mapped = _authenticator(tmp_path, access_review=True, account_users={"ada": "ada@corp"})
    ada = mapped.sign_in("ada", "a long password")
    assert ada is not None
    assert ada.reviewed_as == ClusterUser("ada@corp")


def test_a_missing_client_secret_file_is_named(tmp_path: Path) -> None:
    setting = OIDC.model_copy(update={"client_secret_file": tmp_path / "nope"})
    with pytest.raises(ConfigError, match=r"server\.oidc\.client_secret_file .*nope: No such file"):
        OidcSignIn(setting, b"k" * 32, timeout=1)


def test_a_sign_in_attempt_sealed_with_another_key_is_refused() -> None:
    with running_provider() as provider:
        setting = OIDC.model_copy(update={"issuer": provider.issuer})
        ours, theirs = (OidcSignIn(setting, key * 32, timeout=5) for key in (b"a", b"b"))
        url, sealed = theirs.start()
        state = url.split("state=")[1].split("&")[0]
        with pytest.raises(Refused, match="not started here"):
            ours.finish(sealed, state=state, code="c")
        with pytest.raises(Refused, match="not started from this browser"):
            theirs.finish(sealed, state="another", code="c")
        assert ours.label == "127.0.0.1"
