"""Bad input anywhere in the identity flow is a clear answer, never a 500 (docs/identity.md): the
callback (missing, forged or replayed state, a garbage code), the back-channel logout endpoint
(junk tokens and bodies) and the SCIM endpoint (junk JSON, huge bodies, odd ids).

The machine endpoints answer 4xx in their own formats; the callback is a browser's, so it goes back
to the login page with the reason (and leaves a signed-in session alone when nothing was exchanged).
Run on PostgreSQL too (DATABASE_URL): it refuses NUL in text, where SQLite does not."""
import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from tests.browser import ensure_current_terms
from tests.factories import UserFactory
from unisocial.models import OIDCIdentity, SignIn, User
from unisocial.oidc import Backend, provision, usable_identifier

from .oidc_provider import PROVIDER_NAME, sign_in_with_provider

ISSUER = "https://id.example.org"
SECRET = "scim-secret-0123456789abcdef0123456789"
FAILED = f"Signing in with {PROVIDER_NAME} did not succeed"
CLOSED = "http://127.0.0.1:9/"  # the discard port: nothing answers


@pytest.fixture
def configured(settings):
    """A provider configured but unreachable: nothing here may need it to answer."""
    settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = "client"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS"):
        setattr(settings, f"OIDC_OP_{name}_ENDPOINT", f"{CLOSED}{name.lower()}")
    settings.OIDC_TIMEOUT = 2
    settings.OIDC_DEPROVISION_TOKEN = SECRET


def _b64(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- the callback ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "", "?code=abc", "?state=abc", "?code=&state=", "?code=abc&state=forged", "?code=abc&state=%00",
    "?error=access_denied&state=x", "?code=abc&code=def&state[]=1", "?code=" + "x" * 5000 + "&state=y",
])
def test_a_callback_with_missing_or_garbage_state_or_code_goes_back_to_the_login_page(client, configured, query):
    response = client.get(f"/accounts/oidc/callback/{query}", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert response.status_code == 200 and FAILED in response.content.decode()


@pytest.mark.django_db
def test_a_forged_callback_leaves_a_signed_in_session_alone(client, configured):
    """A link anyone can send must not sign the person out (nothing was exchanged)."""
    client.force_login(UserFactory(username="pat"))
    response = client.get("/accounts/oidc/callback/?code=abc&state=forged")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_a_garbage_code_with_a_real_state_is_refused_when_the_provider_is_unreachable(client, configured):
    start = client.get("/accounts/oidc/authenticate/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(f"/accounts/oidc/callback/?code=garbage&state={state}", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)] and FAILED in response.content.decode()
    # The state was used up: the same callback again is refused before reaching the provider.
    again = client.get(f"/accounts/oidc/callback/?code=garbage&state={state}", follow=True)
    assert FAILED in again.content.decode()


def test_a_garbage_code_at_the_real_provider_is_refused(oidc, live_server):
    session = requests.Session()
    start = session.get(f"{live_server.url}/accounts/oidc/authenticate/", allow_redirects=False, timeout=10)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    response = session.get(f"{live_server.url}/accounts/oidc/callback/?code=garbage&state={state}", timeout=10)
    assert urlsplit(response.url).path == "/accounts/login/" and FAILED in response.text
    assert not User.objects.exists()


def test_a_replayed_callback_signs_nobody_in_and_leaves_the_session_alone(oidc, live_server):
    ensure_current_terms()
    session, response = sign_in_with_provider(live_server.url, "omar")
    callback = next(r.url for r in [*response.history, response] if "/accounts/oidc/callback/" in r.url)
    assert SignIn.objects.count() == 1
    # The same browser again: its state is used up, it stays signed in as it was.
    again = session.get(callback, timeout=10)
    assert urlsplit(again.url).path == "/accounts/login/" and FAILED in again.text
    assert SignIn.objects.count() == 1
    assert session.get(f"{live_server.url}/terms/", timeout=10, allow_redirects=False).status_code == 200
    # Another browser with the stolen callback address: no state of its own, nobody signed in.
    thief = requests.Session()
    stolen = thief.get(callback, timeout=10)
    assert urlsplit(stolen.url).path == "/accounts/login/" and FAILED in stolen.text
    assert SignIn.objects.count() == 1


@pytest.mark.parametrize("value, usable", [
    ("omar", True), (42, True), ("x" * 255, True), ("x" * 256, False), ("", False), ("a\x00b", False),
    (None, False), (True, False), (["omar"], False), ({"sub": "x"}, False),
])
def test_only_usable_subjects_and_session_ids_are_stored(value, usable):
    assert usable_identifier(value) is usable


@pytest.mark.django_db
def test_a_provider_subject_that_cannot_be_stored_is_refused_not_a_500(configured, monkeypatch):
    backend = Backend()
    for sub in ("a\x00b", "x" * 300, ["x"]):
        monkeypatch.setattr(backend, "get_userinfo", lambda *a, sub=sub: {"sub": sub})
        with pytest.raises(Exception) as refused:
            backend.get_or_create_user("token", "id-token", {"sub": sub, "iss": ISSUER})
        assert refused.type.__name__ == "SuspiciousOperation"
    assert not OIDCIdentity.objects.exists()


@pytest.mark.django_db
def test_nul_in_the_provider_s_names_is_dropped():
    user = provision(ISSUER, {"sub": "s1", "preferred_username": "ann\x00x", "name": "Ann\x00 Lee",
                              "email": "ann@example.org\x00"})
    user.refresh_from_db()
    assert (user.username, user.display_name, user.email) == ("annx", "Ann Lee", "ann@example.org")


# --- the back-channel logout endpoint --------------------------------------------------------------


BACKCHANNEL = "/accounts/oidc/backchannel-logout/"
JUNK_TOKENS = [
    "", "x", "a.b.c", "...", "\x00", "é" * 100, "x" * 200_000,
    f"{_b64({'alg': 'RS256', 'kid': ['k']})}.{_b64({})}.c2ln",
    f"{_b64({'alg': 'RS256', 'typ': ['JWT']})}.{_b64([])}.c2ln",
    f"{_b64(['alg'])}.{_b64({})}.c2ln",
    f"{_b64({'alg': None})}.e30.",
    f"{_b64({'alg': 'RS256', 'kid': 'k'})}.bm90IGpzb24.c2ln",
]


@pytest.mark.django_db
@pytest.mark.parametrize("token", JUNK_TOKENS)
def test_junk_logout_tokens_are_a_400(configured, token):
    response = Client().post(BACKCHANNEL, {"logout_token": token})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": "invalid logout_token"}


@pytest.mark.django_db
@pytest.mark.parametrize("body, content_type", [
    (b'{"logout_token": 1}', "application/json"),
    (b"\xff\xfe\x00", "application/x-www-form-urlencoded"),
    (b"logout_token=%ZZ&logout_token=%00", "application/x-www-form-urlencoded"),
    (b"--b\r\nContent-Disposition: form-data; name=\"logout_token\"; filename=\"t\"\r\n\r\nx\r\n--b--\r\n",
     "multipart/form-data; boundary=b"),
    (b"garbage", "multipart/form-data; boundary="),
])
def test_junk_back_channel_bodies_are_a_400(configured, body, content_type):
    response = Client().post(BACKCHANNEL, body, content_type=content_type)
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_huge_back_channel_body_is_a_413(configured):
    response = Client().post(BACKCHANNEL, b"logout_token=" + b"x" * 3_000_000,
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


# --- the SCIM endpoint ------------------------------------------------------------------------------


def scim_patch(path, body):
    return Client().patch(path, body, content_type="application/scim+json",
                          headers={"Authorization": f"Bearer {SECRET}"})


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    b"[" * 100_000, b'{"active": ' + b"9" * 5000 + b"}", b"9" * 5000, b'{"active": NaN}', b"\xff\xfe",
    "\ud800".encode("utf-8", "surrogatepass"), b'{"active": false', b"{" * 50, b'"\\u0000"',
    b'{"Operations": [' + b"[" * 50_000 + b"]}",
])
def test_scim_junk_json_is_a_400(configured, body):
    identity = OIDCIdentity.objects.create(user=UserFactory(username="nadia"), issuer=ISSUER, subject="00u-n")
    response = scim_patch("/scim/v2/Users/00u-n", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["scimType"] in ("invalidSyntax", "invalidValue")
    identity.user.refresh_from_db()
    assert identity.user.is_active


@pytest.mark.django_db
def test_scim_a_huge_body_is_a_413(configured):
    response = scim_patch("/scim/v2/Users/00u-n", b'{"active": false, "x": "' + b"x" * 3_000_000 + b'"}')
    assert response.status_code == 413 and response.json()["detail"] == "The body is too large."


@pytest.mark.django_db
@pytest.mark.parametrize("ident", ["%00", "a%00b", "x" * 300, "%FF", "%C3%A9" * 50])
def test_scim_odd_ids_are_a_404(configured, ident):
    response = scim_patch(f"/scim/v2/Users/{ident}", b'{"active": false}')
    assert response.status_code == 404 and response.json()["detail"] == "No such user."
