"""In Chromium (SPEC §7): an English actor's mention is read in French by a French reader, whose
browser says English; the header switch changes the person's language, and it holds at the next
sign-in (the cookies dropped)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from posts import services
from tests.browser import ensure_current_terms, sign_in
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Visibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sentence(language):
    with translation.override(language):
        what = gettext("%(actor)s mentioned you") % {"actor": "Edith Walker"}
        return gettext("%(what)s: “%(title)s” in %(community)s") % {
            "what": what, "title": "Quarterly figures", "community": "Budget team"
        }


@pytest.fixture
def reader(fresh_caches):
    with zeal_ignore():
        ensure_current_terms()
        community = CommunityFactory(visibility=Visibility.OPEN, name="Budget team")
        actor = UserFactory(username="edith", display_name="Edith Walker", language="en")
        claire = UserFactory(username="claire", language="fr")
        add_member(community, actor, Role.OWNER)
        add_member(community, claire)
        with translation.override("en"):
            services.post_create(actor=actor, community=community, title="Quarterly figures",
                                 body="Numbers for @claire.")
    return claire


def test_a_french_reader_reads_an_english_actors_mention_in_french(reader, page):
    french, english = sentence("fr"), sentence("en")
    assert french != english
    sign_in(page, reader.username, "/notifications/")  # the browser context is en-GB
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".notification-list")).to_contain_text(french)
    assert english not in page.locator(".notification-list").inner_text()

    # The header switch: English now, on the person, and still English at the next sign-in.
    page.locator(".account-menu summary").click()
    page.locator("#language-select").select_option("en")
    page.locator(".language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".notification-list")).to_contain_text(english)
    reader.refresh_from_db()
    assert reader.language == "en"
    sign_in(page, reader.username, "/notifications/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert not page.js_errors
