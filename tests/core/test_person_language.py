"""A language per person (SPEC §7): the person's own choice over the cookie and the browser's,
kept by the header switch and the profile, returned by ``me/``, defaulted from the provider's claim."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from unisocial.languages import language_from_claim, set_language_from_claims

pytestmark = pytest.mark.django_db


def lang_of(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_persons_language_wins_over_the_browser_and_the_cookie(client):
    user = UserFactory(language="fr")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/policies/", HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(response) == "fr" and response["Content-Language"] == "fr"


def test_without_a_choice_the_cookie_then_the_browser_decide(client):
    client.force_login(UserFactory(language=""))
    assert lang_of(client.get("/policies/", HTTP_ACCEPT_LANGUAGE="fr")) == "fr"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert lang_of(client.get("/policies/", HTTP_ACCEPT_LANGUAGE="fr")) == "en"


def test_anonymous_pages_keep_the_browsers_language(client):
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")) == "fr"
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")) == "en"


def test_the_header_switch_remembers_the_language_across_sessions(client):
    user = UserFactory(language="")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/policies/"})
    assert response.status_code == 302 and response["Location"] == "/policies/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    user.refresh_from_db()
    assert user.language == "fr"
    # Another browser, another session, no cookie, an English browser: still French.
    other = Client()
    assert other.login(username=user.username, password=PASSWORD)
    assert lang_of(other.get("/policies/", HTTP_ACCEPT_LANGUAGE="en")) == "fr"


def test_the_switch_keeps_next_on_the_site_and_refuses_unknown_languages(client):
    user = UserFactory(language="fr")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_the_switch_for_an_anonymous_visitor_sets_only_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert lang_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")) == "fr"


def test_the_profile_offers_the_language_and_saves_it(client):
    user = UserFactory(language="")
    client.force_login(user)
    html = client.get(f"/people/{user.username}/").content.decode()
    assert 'action="/settings/language/"' in html and '<label for="profile-language">' in html
    for code, _name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in html
    response = client.post("/settings/language/", {"language": "fr"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(page) == "fr" and "Votre langue est enregistrée." in page.content.decode()
    client.post("/settings/language/", {"language": "de"})
    user.refresh_from_db()
    assert user.language == "fr"  # not one of the six: nothing changes
    client.post("/settings/language/", {"language": ""})
    user.refresh_from_db()
    assert user.language == ""  # back to the browser's


def test_another_persons_profile_has_no_language_form(client):
    other = UserFactory()
    client.force_login(UserFactory())
    assert 'action="/settings/language/"' not in client.get(f"/people/{other.username}/").content.decode()


def test_me_returns_the_language(api):
    user = UserFactory(language="zh-hans")
    assert api(user).get("/api/v1/me/").json()["language"] == "zh-hans"
    assert api(UserFactory(language="")).get("/api/v1/me/").json()["language"] == ""


@pytest.mark.parametrize(
    "claim, code",
    [("fr", "fr"), ("fr-CA", "fr"), ("es_419", "es"), ("zh-CN", "zh-hans"), ("zh-Hans-CN", "zh-hans"),
     ("zh-TW", "zh-hans"), ("zh-Hant", "zh-hans"), ("AR", "ar"), ("ru-RU", "ru"), ("de-DE", ""), ("", ""), (None, "")],
)
def test_language_from_the_providers_claim(claim, code):
    assert language_from_claim(claim) == code


def test_the_claim_is_a_default_not_an_override():
    fresh = UserFactory(language="")
    assert set_language_from_claims(fresh, {"locale": "ru-RU"}) == "ru"
    fresh.refresh_from_db()
    assert fresh.language == "ru"
    chosen = UserFactory(language="es")
    assert set_language_from_claims(chosen, {"locale": "ar"}) == "es"
