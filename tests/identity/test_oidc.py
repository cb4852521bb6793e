"""OpenID Connect sign-in against the real test provider (SPEC §7, docs/identity.md): provisioning,
updates, the claim mapping, deactivation by claim and the provider's back-channel logout."""
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.sessions.models import Session
from django.test import Client

from tests.browser import ensure_current_terms
from unisocial.languages import language_from_claim
from unisocial.models import ApiToken, OIDCIdentity, SignIn, User
from unisocial.tokens import create_token

from .oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    PROVIDER_NAME,
    end_session_at_provider,
    form_of,
    sign_in_with_provider,
)


def signed_in(site_url, session) -> bool:
    """Whether this requests session is signed in at the site (the home page, not the login page)."""
    response = session.get(f"{site_url}/", timeout=10, allow_redirects=False)
    return response.status_code == 200


# --- no provider configured ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/oidc/authenticate/", "/accounts/oidc/callback/?code=x&state=y"])
def test_without_oidc_settings_the_routes_answer_404(client, path):
    assert client.get(path).status_code == 404
    assert client.post("/accounts/oidc/backchannel-logout/", {"logout_token": "x"}).status_code == 404


@pytest.mark.django_db
def test_without_oidc_settings_the_login_page_is_the_password_form_alone(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page


@pytest.mark.parametrize("claim, language", [
    ("fr-FR", "fr"), ("fr", "fr"), ("fr_CA", "fr"), ("zh-CN", "zh-hans"), ("zh-Hans", "zh-hans"),
    ("zh-TW", "zh-hans"), ("ar-EG", "ar"), ("ru-RU", "ru"), ("es-419", "es"), ("en-US", "en"),
    ("de-DE", ""), ("", ""), (None, ""), (42, ""),
])
def test_the_locale_claim_maps_onto_the_six_languages(claim, language):
    assert language_from_claim(claim) == language


# --- sign-in through the real provider -------------------------------------------------------------


def test_the_login_page_offers_the_provider_first(oidc, live_server):
    page = requests.get(f"{live_server.url}/accounts/login/?next=/notifications/", timeout=10).text
    offer = page.index(f"Sign in with {PROVIDER_NAME}")
    assert offer < page.index('name="password"')
    assert "/accounts/oidc/authenticate/?next=/notifications/" in page


def test_the_authorization_request_uses_pkce_s256_state_and_nonce(oidc, live_server):
    response = requests.get(f"{live_server.url}/accounts/oidc/authenticate/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == oidc.meta["authorization_endpoint"]
    query = parse_qs(location.query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"] and query["nonce"] and query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


def test_first_sign_in_provisions_the_account_from_the_claims(oidc, live_server):
    ensure_current_terms()
    session, response = sign_in_with_provider(live_server.url, "amelie", next_url="/notifications/")
    # Signed in, and the terms come first (the terms gate), then where the person was going.
    assert urlsplit(response.url).path == "/terms/"
    assert parse_qs(urlsplit(response.url).query)["next"] == ["/notifications/"]
    user = User.objects.get(username="amelie")
    assert (user.first_name, user.last_name, user.display_name) == ("Amélie", "Durand", "Amélie Durand")
    assert user.email == "amelie.durand@example.org"
    assert user.language == "fr"
    assert not user.has_usable_password()
    identity = OIDCIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (oidc.issuer, "amelie")
    sign_in = SignIn.objects.get(user=user)
    assert sign_in.oidc_sid and sign_in.oidc_issuer == oidc.issuer
    assert session.cookies.get("django_language") == "fr"
    assert "Conditions d’utilisation" in response.text  # the terms page, in French


def test_claims_update_at_each_sign_in_and_a_renamed_username_is_the_same_person(oidc, live_server):
    ensure_current_terms()
    sign_in_with_provider(live_server.url, "wei")
    user = User.objects.get(username="wei.zhang")
    assert user.language == "zh-hans"
    oidc.set_claims("wei", preferred_username="zhang.wei", family_name="Zhang-Li", name="Zhang Li Wei",
                    email="zhang.wei@example.org", locale="fr-FR")
    sign_in_with_provider(live_server.url, "wei")  # a new browser: the provider signs in again
    user.refresh_from_db()
    assert user.username == "zhang.wei"
    assert (user.last_name, user.display_name, user.email) == ("Zhang-Li", "Zhang Li Wei", "zhang.wei@example.org")
    # The language claim is a default: the person's language, once set, is theirs.
    assert user.language == "zh-hans"
    assert User.objects.filter(oidc_identities__subject="wei").count() == 1
    assert User.objects.count() == 1


def test_a_local_account_of_the_same_name_is_linked_but_never_a_system_managers(oidc, live_server, make_user):
    colleague = make_user(username="omar")
    admin = make_user(username="amelie", is_superuser=True, is_staff=True)
    sign_in_with_provider(live_server.url, "omar")
    sign_in_with_provider(live_server.url, "amelie")
    assert OIDCIdentity.objects.get(subject="omar").user == colleague
    provisioned = OIDCIdentity.objects.get(subject="amelie").user
    assert provisioned != admin and provisioned.username == "amelie-2"


def test_an_inactive_claim_deactivates_ends_every_session_and_token_and_refuses(oidc, live_server):
    ensure_current_terms()
    first, _ = sign_in_with_provider(live_server.url, "omar")
    user = User.objects.get(username="omar")
    token, token_text = create_token(user, "script")
    sessions = Session.objects.count()
    assert sessions >= 1
    oidc.set_claims("omar", active=False)
    second, response = sign_in_with_provider(live_server.url, "omar")
    assert urlsplit(response.url).path == "/accounts/login/"
    assert "Your account is not active" in response.text
    user.refresh_from_db()
    assert not user.is_active
    assert not SignIn.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    # The first browser's session is gone: its next request is sent to the login page.
    again = first.get(f"{live_server.url}/terms/", allow_redirects=False, timeout=10)
    assert "I accept" not in again.text and "Log in to accept" in again.text
    api = requests.get(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {token_text}"}, timeout=10)
    assert api.status_code in (401, 403)
    # Active again at the provider: still refused until the platform reactivates the account.
    oidc.set_claims("omar", active=True)
    _, response = sign_in_with_provider(live_server.url, "omar")
    assert "Your account is not active" in response.text


def test_an_inactive_claim_at_the_first_sign_in_creates_no_account(oidc, live_server):
    oidc.set_claims("amelie", active=False)
    _, response = sign_in_with_provider(live_server.url, "amelie")
    assert urlsplit(response.url).path == "/accounts/login/"
    assert not User.objects.exists()


def test_a_callback_without_a_matching_state_signs_nobody_in(oidc, live_server):
    response = requests.get(f"{live_server.url}/accounts/oidc/callback/?code=abc&state=forged", timeout=10)
    assert urlsplit(response.url).path == "/accounts/login/"
    assert f"Signing in with {PROVIDER_NAME} did not succeed" in response.text


# --- back-channel logout --------------------------------------------------------------------------


def test_the_providers_back_channel_logout_ends_exactly_that_session(oidc, live_server):
    ensure_current_terms()
    one, _ = sign_in_with_provider(live_server.url, "omar")
    two, _ = sign_in_with_provider(live_server.url, "omar")  # another browser, another provider session
    user = User.objects.get(username="omar")
    assert SignIn.objects.filter(user=user).count() == 2
    end_session_at_provider(oidc, one)  # the provider posts its signed logout token to the site
    for _ in range(50):
        if SignIn.objects.filter(user=user).count() == 1:
            break
        time.sleep(0.1)
    kept = SignIn.objects.get(user=user)
    assert kept.session_key == two.cookies.get("sessionid")
    assert not Session.objects.filter(session_key=one.cookies.get("sessionid")).exists()
    assert Session.objects.filter(session_key=two.cookies.get("sessionid")).exists()
    user.refresh_from_db()
    assert user.is_active  # a logout, not a deprovisioning (OIDC_BACKCHANNEL_DEACTIVATES is off)


# --- RP-initiated logout: signing out of the site signs out of the provider -----------------------


def sign_out(site_url, session):
    """POST /accounts/logout/ as the header's button does (the CSRF cookie's secret as the token)."""
    session.get(f"{site_url}/accounts/login/", timeout=10)
    token = session.cookies.get("csrftoken")
    return session.post(f"{site_url}/accounts/logout/", data={"csrfmiddlewaretoken": token}, timeout=10,
                        allow_redirects=False)


def test_signing_out_after_a_provider_sign_in_ends_the_providers_session_too(oidc, live_server, caplog):
    ensure_current_terms()
    session, _ = sign_in_with_provider(live_server.url, "omar")
    user = User.objects.get(username="omar")
    signed_in_key = session.cookies.get("sessionid")
    assert Session.objects.filter(session_key=signed_in_key).exists()
    response = sign_out(live_server.url, session)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == oidc.meta["end_session_endpoint"]
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert set(query) == {"id_token_hint", "client_id", "post_logout_redirect_uri", "state"}
    assert query["client_id"] == CLIENT_ID
    assert query["post_logout_redirect_uri"] == f"{live_server.url}/accounts/login/"
    assert len(query["state"]) >= 20
    hint = jwt.decode(query["id_token_hint"], options={"verify_signature": False})
    assert (hint["iss"], hint["sub"], hint["aud"]) == (oidc.issuer, "omar", CLIENT_ID)
    # The platform's session ended before the browser left for the provider.
    assert not Session.objects.filter(session_key=signed_in_key).exists()
    assert not SignIn.objects.filter(user=user).exists()

    # The provider's confirmation page, then back to the login page with the state.
    page = session.get(response.headers["Location"], timeout=10)
    action, fields = form_of(page.text, page.url)
    fields["logout"] = "yes"
    back = session.post(action, data=fields, timeout=10)
    assert urlsplit(back.url).path == "/accounts/login/"
    assert parse_qs(urlsplit(back.url).query)["state"] == [query["state"]]
    assert back.status_code == 200
    # Its back-channel logout to the site found nothing left to end, and was answered 200.
    for _ in range(50):
        received = [r for r in caplog.records if getattr(r, "event", "") == "oidc_logout"]
        if received:
            break
        time.sleep(0.1)
    assert [r.sessions_ended for r in received] == [0]
    assert "backchannel.error" not in oidc.log_text()

    # "Sign in with …" now asks the provider for the login again.
    again = session.get(f"{live_server.url}/accounts/oidc/authenticate/?next=/", timeout=10)
    assert again.url.startswith(f"{oidc.issuer}/interaction/")
    assert form_of(again.text, again.url)[1].get("prompt") == "login"


def test_signing_out_without_an_end_session_endpoint_or_after_a_password_sign_in_stays_on_the_site(
        oidc, live_server, settings):
    ensure_current_terms()
    person = User.objects.create_user("pat", password="a long passphrase 123")
    password = requests.Session()
    password.get(f"{live_server.url}/accounts/login/", timeout=10)
    password.post(f"{live_server.url}/accounts/login/", timeout=10, data={
        "username": "pat", "password": "a long passphrase 123",
        "csrfmiddlewaretoken": password.cookies.get("csrftoken")})
    assert SignIn.objects.filter(user=person).exists()
    response = sign_out(live_server.url, password)
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login/")
    assert not SignIn.objects.filter(user=person).exists()

    settings.OIDC_OP_LOGOUT_ENDPOINT = ""
    session, _ = sign_in_with_provider(live_server.url, "omar")
    response = sign_out(live_server.url, session)
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login/")
    assert not SignIn.objects.filter(user__username="omar").exists()


def _post_logout_token(live_server, token):
    return requests.post(f"{live_server.url}/accounts/oidc/backchannel-logout/", data={"logout_token": token},
                         timeout=10)


def _claims(oidc, **extra):
    now = int(time.time())
    return {"iss": oidc.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 120, "jti": f"j{now}{extra}",
            "sub": "omar", "events": {"http://schemas.openid.net/event/backchannel-logout": {}}, **extra}


def test_a_forged_or_malformed_logout_token_is_refused_with_400(oidc, live_server):
    kid = requests.get(oidc.meta["jwks_uri"], timeout=5).json()["keys"][0]["kid"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(oidc), stranger, algorithm="RS256", headers={"kid": kid, "typ": "logout+jwt"})
    hmac = jwt.encode(_claims(oidc), CLIENT_SECRET, algorithm="HS256")
    unsigned = jwt.encode(_claims(oidc), None, algorithm="none")
    for token in (forged, hmac, unsigned, "not-a-jwt", ""):
        response = _post_logout_token(live_server, token)
        assert response.status_code == 400, token
        assert response.json() == {"error": "invalid_request", "error_description": "invalid logout_token"}
    assert requests.get(f"{live_server.url}/accounts/oidc/backchannel-logout/", timeout=10).status_code == 405


def test_the_logout_endpoint_is_not_behind_csrf(oidc, live_server):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/oidc/backchannel-logout/", {"logout_token": "x"}).status_code == 400


def test_oidc_discover_prints_the_endpoint_variables(oidc):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("oidc_discover", oidc.issuer, stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    assert lines == {
        "OIDC_OP_ISSUER": oidc.issuer,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": oidc.meta["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": oidc.meta["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": oidc.meta["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": oidc.meta["jwks_uri"],
        "OIDC_OP_LOGOUT_ENDPOINT": oidc.meta["end_session_endpoint"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("claims, username", [
    ({"sub": "s1", "preferred_username": "Jean Dupont/ext", "name": None, "email": 7}, "Jean-Dupont-ext"),
    ({"sub": "s2", "email": "m.ng@example.org", "given_name": ["x"]}, "m.ng"),
    ({"sub": "s3"}, "s3"),
    ({"sub": 42, "preferred_username": "", "locale": ["fr"]}, "42"),
])
def test_odd_claims_still_make_a_valid_account(claims, username):
    from unisocial.oidc import provision

    user = provision("https://id.example.org", claims)
    user.full_clean()
    assert user.username == username
    assert user.language == "" and user.first_name == "" and user.display_name == ""


def test_a_system_manager_signed_in_through_the_provider_is_not_asked_for_a_second_factor(
        oidc, live_server, settings):
    """The provider's own factors held (SPEC §7): only local password sign-ins of system managers
    go through /accounts/otp/; the session records the provider's sign-in as such."""
    settings.SECOND_FACTOR_REQUIRED = True
    ensure_current_terms()
    browser, _ = sign_in_with_provider(live_server.url, "omar")
    User.objects.filter(username="omar").update(is_superuser=True, is_staff=True)
    page = browser.get(f"{live_server.url}/terms/", allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.headers.get("Location")
    session = Session.objects.get(session_key=SignIn.objects.get(user__username="omar").session_key)
    assert session.get_decoded()["_auth_user_backend"] == "unisocial.auth_backends.ProviderSignInBackend"


@pytest.mark.django_db
def test_the_sign_out_form_may_go_on_to_the_providers_end_session_origin_only(client, settings):
    assert "form-action 'self';" in client.get("/accounts/login/")["Content-Security-Policy"] + ";"
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://id.example.org/oidc/logout?x=1"
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert policy.endswith("form-action 'self' https://id.example.org")
    settings.OIDC_OP_LOGOUT_ENDPOINT = "javascript:alert(1)"
    assert client.get("/accounts/login/")["Content-Security-Policy"].endswith("form-action 'self'")
