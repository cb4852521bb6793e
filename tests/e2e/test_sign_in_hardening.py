"""Sign-in hardening in a real browser (SPEC §7): a lockout after repeated failures, with its
message; a system manager's TOTP enrolment and then a sign-in with a code; an API token created
in the browser, used with ``Authorization: Token …`` and revoked (then 401).

The test settings turn the lockout and the second factor off for the rest of the suite; these
journeys turn them on (override_settings reaches the live server's thread: one process)."""
import json
import re
import urllib.error
import urllib.request
from base64 import b32decode
from datetime import timedelta

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from zeal import zeal_ignore

from tests.browser import ensure_current_terms, sign_in
from tests.factories import PASSWORD, UserFactory
from unisocial.models import ApiToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(fresh_caches):
    with zeal_ignore():
        ensure_current_terms()
        return {
            "sam": UserFactory(username="sam", first_name="Sam", last_name="Manager", is_staff=True,
                               is_superuser=True),
            "tess": UserFactory(username="tess", first_name="Tess", last_name="Staff"),
        }


def try_password(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_repeated_failures_lock_the_account_with_a_clear_message(people, page, check_a11y, shoot):
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=15)):
        page.goto("/accounts/login/")
        for _ in range(2):
            try_password(page, "tess", "not-my-password")
            expect(page.locator(".error-summary")).to_be_visible()
        try_password(page, "tess", "not-my-password")
        lockout = page.locator("#lockout")
        expect(lockout).to_contain_text("Too many failed sign-in attempts")
        expect(lockout).to_contain_text("15 minutes")
        check_a11y(page, "login locked out")
        shoot(page, "login-locked-out")
        # The right password is refused too while the lockout lasts.
        try_password(page, "tess", PASSWORD)
        expect(page.locator("#lockout")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/accounts/login/"))


def code(key: bytes, drift=0) -> str:
    return f"{totp(key, step=30, t0=0, digits=6, drift=drift):06d}"


def test_a_system_manager_enrols_an_authenticator_then_signs_in_with_a_code(people, page, check_a11y, shoot):
    with override_settings(SECOND_FACTOR_REQUIRED=True):
        sign_in(page, "sam", "/admin/")
        # After the password: the enrolment page, nothing else.
        expect(page).to_have_url(re.compile(r"/accounts/otp/enrol/"))
        expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
        expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
        check_a11y(page, "second factor enrolment")
        shoot(page, "otp-enrol")
        page.goto("/admin/")  # refused until enrolled: back to the enrolment, which returns here after
        expect(page).to_have_url(re.compile(r"/accounts/otp/enrol/\?next=(/|%2F)admin(/|%2F)$"))
        key = b32decode(page.locator("#otp-key").inner_text().replace(" ", ""))
        field = page.get_by_label("Code from your authenticator app")
        expect(field).to_have_attribute("autocomplete", "one-time-code")
        expect(field).to_have_attribute("inputmode", "numeric")
        field.fill("000000" if code(key) != "000000" else "111111")
        page.get_by_role("button", name="Confirm and continue").click()
        expect(page.locator(".error-summary")).to_contain_text("That code is not right")
        check_a11y(page, "second factor enrolment error")
        device = TOTPDevice.objects.get(user=people["sam"])
        device.throttle_reset()  # the wrong code above made the next try wait a second
        page.get_by_label("Code from your authenticator app").fill(code(key))
        page.get_by_role("button", name="Confirm and continue").click()
        expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
        assert TOTPDevice.objects.get(user=people["sam"]).confirmed

        # The next sign-in: password, then a code (the next step's: a code is accepted once).
        sign_in(page, "sam", "/admin/")
        expect(page).to_have_url(re.compile(r"/accounts/otp/\?next="))
        expect(page.get_by_role("heading", name="Confirm your sign-in")).to_be_visible()
        check_a11y(page, "second factor code")
        shoot(page, "otp-verify")
        page.get_by_label("Code from your authenticator app").fill(code(key, drift=1))
        page.get_by_role("button", name="Confirm", exact=True).click()
        expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def api_me(base_url, token):
    request = urllib.request.Request(f"{base_url}/api/v1/me/", headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_token_is_created_in_the_browser_used_and_revoked(people, page, live_server, check_a11y, shoot):
    sign_in(page, "tess", "/people/tess/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    check_a11y(page, "API tokens")
    page.get_by_label("Name").fill("Weekly report script")
    page.get_by_label("Expires after").select_option(label="90 days")
    page.get_by_role("button", name="Create token").click()
    shown = page.locator("#new-token-text")
    expect(shown).to_be_visible()
    expect(page.locator("#new-token")).to_contain_text("shown only this once")
    token = shown.input_value()
    check_a11y(page, "API token created")
    shoot(page, "api-token-created")
    row = ApiToken.objects.get(user=people["tess"])
    assert row.name == "Weekly report script" and token not in row.digest
    assert timedelta(days=89) < row.expiry - row.created <= timedelta(days=90)

    status, body = api_me(live_server.url, token)
    assert status == 200 and body["username"] == "tess"

    # Shown once: the list has the name, never the token.
    page.goto("/settings/tokens/")
    expect(page.locator("table")).to_contain_text("Weekly report script")
    assert token not in page.content()
    page.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.locator(".messages")).to_contain_text("is revoked")
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    status, _body = api_me(live_server.url, token)
    assert status == 401
