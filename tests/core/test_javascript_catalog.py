"""The JavaScript catalogue (SPEC §7; unisocial/i18n.py): the djangojs strings of static/js/, served
at /jsi18n/ to anyone (the login page too, and before the terms are accepted), cached, and loaded by
every page before the scripts that translate with it (an external script: CSP script-src 'self')."""
import json
import re

import pytest
from django.utils import translation

from unisocial.i18n import catalogue_url


def catalogue(client, language):
    client.cookies["django_language"] = language
    return client.get("/jsi18n/")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "word"), [("fr", "gras"), ("ar", "غامق"), ("zh-hans", "粗体"),
                                                 ("ru", "жирный"), ("es", "negrita")])
def test_the_catalogue_serves_each_languages_strings_to_anyone(client, language, word):
    response = catalogue(client, language)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert json.dumps(word)[1:-1] in body and "django.gettext" in body  # JSON, \\u-escaped
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_catalogue_has_each_languages_plural_rule(client):
    assert "n==0 ? 0 : n==1 ? 1 : n==2 ? 2" in catalogue(client, "ar").content.decode()
    client.cookies.clear()
    assert "n%10==1 && n%100!=11" in catalogue(client, "ru").content.decode()


@pytest.mark.django_db
def test_the_catalogue_is_reachable_before_the_terms_are_accepted(client, make_user):
    client.force_login(make_user(accepted_terms=False))
    assert client.get("/jsi18n/").status_code == 200


@pytest.mark.django_db
def test_every_page_loads_it_first_at_an_address_naming_the_language(client):
    client.cookies["django_language"] = "ar"
    page = client.get("/accounts/login/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    with translation.override("ar"):
        assert scripts[0] == catalogue_url("ar").replace("&", "&amp;")
    assert "?l=ar&amp;v=" in scripts[0]
    assert "<script>" not in page  # no inline script (CSP)
