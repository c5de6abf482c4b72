"""Single sign-on (convening/sso.py) with the provider's answers mocked: who comes in, as whom, and who is
refused; and no trace of it when the deployment sets no client id."""

import importlib
import json
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import NoReverseMatch, clear_url_caches, reverse

import convening.urls
from convening.models import Membership, User
from convening.sso import BACKEND_PATH, AgencySignInBackend
from convening.tests.factories import OrganizationFactory, UserFactory
from tests.django_process import run_django

pytestmark = pytest.mark.django_db


@pytest.fixture
def oidc(settings):
    settings.OIDC_RP_CLIENT_ID = "convening"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://id.example.gov/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://id.example.gov/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://id.example.gov/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://id.example.gov/jwks"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND_PATH]
    return settings


@pytest.fixture
def sso(oidc):
    """Single sign-on on, as OIDC_RP_CLIENT_ID turns it on: its addresses in the URLs."""
    oidc.SSO_ENABLED = True
    importlib.reload(convening.urls)
    clear_url_caches()
    yield oidc
    oidc.SSO_ENABLED = False
    importlib.reload(convening.urls)
    clear_url_caches()


@pytest.fixture
def agency(db):
    return OrganizationFactory(name="State Education Agency", sign_in_domain="Education.example.gov")


def _sign_in(claims):
    """The provider's callback as the backend receives it, the provider answering with `claims`."""
    request = RequestFactory().get("/oidc/callback/", {"code": "the-code", "state": "the-state"})
    request.session = {}
    request._messages = mock.MagicMock()
    backend = AgencySignInBackend()
    with (
        mock.patch.object(backend, "get_token", return_value={"id_token": "id", "access_token": "access"}),
        mock.patch.object(backend, "verify_token", return_value={"sub": "1"}),
        mock.patch.object(backend, "get_userinfo", return_value=claims),
        mock.patch("convening.sso.messages") as messages,
    ):
        user = backend.authenticate(request, nonce="n")
    return user, [call.args[1] for call in messages.error.call_args_list]


def test_an_address_in_an_organizations_domain_gets_an_account_with_no_role(sso, agency):
    user, refusals = _sign_in({"email": "Ana.Ruiz@education.example.gov", "email_verified": True, "name": "Ana Ruiz"})

    assert refusals == []
    assert user.email == "ana.ruiz@education.example.gov"
    assert user.name == "Ana Ruiz"
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()


def test_an_existing_account_is_matched_in_any_letter_case(sso, agency):
    existing = UserFactory(email="ana.ruiz@education.example.gov")

    user, _refusals = _sign_in({"email": "ANA.RUIZ@Education.Example.gov", "email_verified": True})

    assert user == existing
    assert User.objects.count() == 1


def test_an_address_in_no_organizations_domain_is_refused_with_a_reason(sso, agency):
    user, refusals = _sign_in({"email": "someone@elsewhere.example.com", "email_verified": True})

    assert user is None
    assert refusals == [
        "Addresses at elsewhere.example.com cannot sign in with an agency account here. "
        "Sign in with your e-mail address and password instead."
    ]
    assert not User.objects.exists()


def test_an_existing_account_outside_every_domain_is_refused_too(sso, agency):
    UserFactory(email="someone@elsewhere.example.com")
    user, _refusals = _sign_in({"email": "someone@elsewhere.example.com", "email_verified": True})
    assert user is None


@pytest.mark.parametrize("verified", [False, None])
def test_an_address_the_provider_has_not_verified_is_refused(sso, agency, verified):
    claims = {"email": "ana@education.example.gov", **({} if verified is None else {"email_verified": verified})}
    user, refusals = _sign_in(claims)
    assert user is None
    assert "has not verified your e-mail address" in refusals[0]
    assert not User.objects.exists()


def test_a_provider_that_sends_no_verification_may_be_trusted_by_the_deployment(sso, agency):
    sso.OIDC_REQUIRE_EMAIL_VERIFIED = False
    user, _refusals = _sign_in({"email": "ana@education.example.gov"})
    assert user is not None


def test_no_address_is_refused(sso, agency):
    user, refusals = _sign_in({"sub": "1"})
    assert user is None
    assert "did not give an e-mail address" in refusals[0]


def test_a_site_administrators_account_never_signs_in_this_way(sso, agency):
    User.objects.create_superuser("root@education.example.gov", "correct-horse-battery-staple")
    user, refusals = _sign_in({"email": "root@education.example.gov", "email_verified": True})
    assert user is None
    assert refusals == ["A site administrator signs in with their password and two-factor code."]


def test_single_sign_on_is_off_without_a_client_id(client):
    assert not django_settings.SSO_ENABLED
    assert BACKEND_PATH not in django_settings.AUTHENTICATION_BACKENDS
    assert "mozilla_django_oidc" not in django_settings.INSTALLED_APPS
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")
    assert client.get("/oidc/authenticate/").status_code == 404
    assert "Sign in with your agency" not in client.get(reverse("login")).content.decode()


def test_with_a_client_id_the_login_page_offers_the_agencys_sign_in(client, sso):
    page = client.get(reverse("login") + "?next=/teams/").content.decode()
    assert "Sign in with your agency" in page
    assert f'href="{reverse("oidc_authentication_init")}?next=/teams/"' in page
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    assert response["Location"].startswith("https://id.example.gov/authorize?")


def test_a_refused_sign_in_returns_to_the_login_page_with_its_reason(client, sso, agency):
    session = client.session
    session["oidc_states"] = {"the-state": {"code_verifier": None, "nonce": "n", "added_on": 9e12}}
    session.save()
    backend = AgencySignInBackend
    with (
        mock.patch.object(backend, "get_token", return_value={"id_token": "id", "access_token": "access"}),
        mock.patch.object(backend, "verify_token", return_value={"sub": "1"}),
        mock.patch.object(backend, "get_userinfo", return_value={"email": "x@nowhere.example", "email_verified": True}),
    ):
        response = client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": "the-state"})
    assert response["Location"] == "/accounts/login/"
    assert [str(m) for m in get_messages(response.wsgi_request)][0].startswith("Addresses at nowhere.example")


def test_the_environment_turns_it_on():
    result = run_django(
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SSO_ENABLED, s.AUTHENTICATION_BACKENDS, 'mozilla_django_oidc' in s.INSTALLED_APPS, "
        "s.OIDC_RP_SIGN_ALGO, s.OIDC_OP_JWKS_ENDPOINT, s.OIDC_REQUIRE_EMAIL_VERIFIED]))",
        DEBUG="true",
        OIDC_RP_CLIENT_ID="convening",
        OIDC_RP_CLIENT_SECRET="secret",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://id.example.gov/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://id.example.gov/token",
        OIDC_OP_USER_ENDPOINT="https://id.example.gov/userinfo",
        OIDC_OP_JWKS_ENDPOINT="https://id.example.gov/jwks",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        True,
        ["axes.backends.AxesStandaloneBackend", "convening.two_factor.backends.PasswordBackend", BACKEND_PATH],
        True,
        "RS256",
        "https://id.example.gov/jwks",
        True,
    ]


def test_a_provider_signing_with_rs256_needs_its_keys_address():
    result = run_django(
        "import django; django.setup()",
        DEBUG="true",
        OIDC_RP_CLIENT_ID="convening",
        OIDC_RP_CLIENT_SECRET="secret",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://id.example.gov/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://id.example.gov/token",
        OIDC_OP_USER_ENDPOINT="https://id.example.gov/userinfo",
    )
    assert result.returncode != 0
    assert "OIDC_OP_JWKS_ENDPOINT" in result.stderr
