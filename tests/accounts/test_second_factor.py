"""System managers who sign in with a password need a second factor, TOTP (SPEC §7, django-otp):
enrolment after the first sign-in, a code at every sign-in after; until then the session reaches
no page, no admin site and no API call. Others are not asked. Wrong codes are throttled.
The test settings turn the requirement off (force_login has no second factor); here it is on."""
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory
from unisocial.auth_backends import UserBackend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("required")]


@pytest.fixture
def required():
    with override_settings(SECOND_FACTOR_REQUIRED=True):
        yield


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_sign_in(client, user):
    answer = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302
    return answer


@pytest.fixture
def manager(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_a_manager_without_an_authenticator_enrols_and_then_reaches_the_admin(client, manager):
    password_sign_in(client, manager)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/otp/")
    assert client.get("/accounts/otp/").url.startswith("/accounts/otp/enrol/")
    page = client.get("/accounts/otp/enrol/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html and "<script" not in html.split("<main")[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    assert " ".join(key[i:i + 4] for i in range(0, len(key), 4)) in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert '<label for="id_otp_token"' in html
    # A wrong code: a clear error, not enrolled.
    wrong = client.post("/accounts/otp/enrol/", {"otp_token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/accounts/otp/enrol/", {"otp_token": code_for(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert TOTPDevice.objects.get(user=manager).confirmed
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_a_manager_with_an_authenticator_types_a_code_at_each_sign_in(client, manager):
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    password_sign_in(client, manager)
    assert client.get("/admin/").url.startswith("/accounts/otp/?next=/admin/")
    assert client.get("/accounts/otp/enrol/").url == "/accounts/otp/"
    page = client.get("/accounts/otp/?next=/admin/")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    answer = client.post("/accounts/otp/", {"otp_token": code_for(device), "next": "/admin/"})
    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_until_verified_no_page_no_admin_and_no_api(client, manager):
    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    password_sign_in(client, manager)
    for path in ("/", "/communities/", "/admin/", "/admin/unisocial/user/", "/moderation/", "/records/",
                 "/settings/tokens/", f"/people/{manager.username}/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/otp/"), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    assert client.post("/api/v1/me/tokens/", {"name": "x"}).status_code == 403
    # Signing out still works.
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admin_login_leads_to_the_second_factor_too(client, manager):
    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    answer = client.post("/admin/login/?next=/admin/", {"username": manager.username, "password": PASSWORD,
                                                        "next": "/admin/"})
    assert answer.status_code == 302
    assert client.get("/admin/").url.startswith("/accounts/otp/")


def test_others_are_not_asked(client):
    person = UserFactory()
    password_sign_in(client, person)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/otp/").status_code == 302  # nothing to do there
    assert client.get("/accounts/otp/enrol/").status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_wrong_codes_are_throttled(client, manager):
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    password_sign_in(client, manager)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    first = client.post("/accounts/otp/", {"otp_token": wrong})
    assert first.status_code == 400 and "That code is not right" in first.content.decode()
    client.post("/accounts/otp/", {"otp_token": wrong})
    # Now even the right code must wait (1, 2, 4 … seconds after each failure).
    throttled = client.post("/accounts/otp/", {"otp_token": code_for(device)})
    assert throttled.status_code == 400 and "Too many wrong codes" in throttled.content.decode()
    assert client.get("/").status_code == 302


def test_a_code_is_not_accepted_twice(client, manager):
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    code = code_for(device)
    password_sign_in(client, manager)
    assert client.post("/accounts/otp/", {"otp_token": code}).status_code == 302
    client.post("/accounts/logout/")
    password_sign_in(client, manager)
    assert client.post("/accounts/otp/", {"otp_token": code}).status_code == 400


def test_next_is_kept_only_on_this_site(client, manager):
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    password_sign_in(client, manager)
    answer = client.post("/accounts/otp/", {"otp_token": code_for(device), "next": "https://evil.example/"})
    assert answer.status_code == 302 and urlsplit(answer["Location"]).netloc == ""
    assert parse_qs(urlsplit(answer["Location"]).query) == {}


def test_an_identity_provider_sign_in_is_not_asked(client, manager, settings):
    provider = "tests.accounts.test_second_factor.ProviderBackend"
    settings.SECOND_FACTOR_EXEMPT_BACKENDS = [provider]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, provider]
    client.force_login(manager, backend=provider)
    assert client.get("/admin/").status_code == 200


class ProviderBackend(UserBackend):
    """A second sign-in backend, as the identity provider's will be: what matters is that the
    session names a backend listed in SECOND_FACTOR_EXEMPT_BACKENDS."""

    def authenticate(self, request, **kwargs):
        return None
