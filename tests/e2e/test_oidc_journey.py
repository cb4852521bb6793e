"""Single sign-on in Chromium against the real identity provider (SPEC §7, docs/identity.md):
"Sign in with …" → the provider's login and consent → back signed in, the account provisioned from
the claims and the pages in the claim's language (French) → sign out, of the provider too (its login
is asked again) → signed in again, the provider
deprovisions the person through SCIM, and the live session ends at its next request."""
import re
from urllib.parse import urlsplit

import requests
from playwright.sync_api import expect

from tests.browser import ensure_current_terms
from tests.identity.oidc_provider import DEPROVISION_TOKEN, PROVIDER_NAME
from unisocial.models import OIDCIdentity, User


def loopback_only(page):
    """The provider's development pages @import a web font: nothing leaves this machine."""
    def route(r):
        host = urlsplit(r.request.url).hostname
        return r.continue_() if host in ("localhost", "127.0.0.1") else r.abort()

    page.context.route("**/*", route)


def sign_in_at_provider(page, login):
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def test_sign_in_with_the_organisation_provisioned_in_french_then_deprovisioned(page, shoot, check_a11y, oidc,
                                                                                live_server, fresh_caches):
    ensure_current_terms()
    loopback_only(page)
    page.goto("/accounts/login/")
    offer = page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")
    expect(offer).to_be_visible()
    shoot(page, "oidc-login")
    check_a11y(page, "the login page with single sign-on")
    offer.click()

    # The provider's own pages: its login, then its consent screen.
    assert page.url.startswith(f"{oidc.issuer}/interaction/")
    sign_in_at_provider(page, "amelie")
    page.get_by_role("button", name="Continue").click()

    # Back on the site, signed in as the new account: the terms first, in French.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Conditions d’utilisation")).to_be_visible()
    user = User.objects.get(username="amelie")
    assert (user.display_name, user.email, user.language) == ("Amélie Durand", "amelie.durand@example.org", "fr")
    assert OIDCIdentity.objects.filter(user=user, issuer=oidc.issuer, subject="amelie").exists()
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("django_language") == "fr"
    page.get_by_role("button", name="J’accepte").click()
    expect(page.locator("header.site-header")).to_contain_text("Connecté en tant que Amélie Durand")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shoot(page, "oidc-signed-in-fr")

    # Sign out: the platform's session, then the provider's (RP-initiated logout, its confirmation
    # page), back to the login page, still in French.
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc.issuer)}/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/accounts/login/\?state=[\w-]+$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # "Sign in with …" asks the provider for the login again: not silently signed in.
    page.get_by_role("link", name=f"Se connecter avec {PROVIDER_NAME}").click()
    assert page.url.startswith(f"{oidc.issuer}/interaction/")
    expect(page.locator('input[name="login"]')).to_be_visible()
    sign_in_at_provider(page, "amelie")
    if page.get_by_role("button", name="Continue").count():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("header.site-header")).to_contain_text("Connecté en tant que Amélie Durand")
    # The provider's back-channel logout to the site found nothing left to end, and got its 200.
    assert "backchannel.error" not in oidc.log_text()
    assert User.objects.count() == 1

    # The provider deprovisions the person: the live session ends at its next request.
    response = requests.patch(
        f"{live_server.url}/scim/v2/Users/amelie", json={"active": False},
        headers={"Authorization": f"Bearer {DEPROVISION_TOKEN}", "Content-Type": "application/scim+json"}, timeout=10,
    )
    assert response.status_code == 200 and response.json()["active"] is False
    page.reload()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    user.refresh_from_db()
    assert not user.is_active

    # And signing in again through the provider is refused, with the reason.
    page.get_by_role("link", name=f"Se connecter avec {PROVIDER_NAME}").click()
    expect(page.get_by_text("Votre compte n’est pas actif.")).to_be_visible()
    shoot(page, "oidc-deactivated")
    assert not page.js_errors
