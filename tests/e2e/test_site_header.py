"""The site header holds on one line at 1280 px (SPEC §2.5, §7): with "1 unread" beside
Notifications, the Records link of a records officer and a long name, in every language the
site offers (English and French today; a language added to settings.LANGUAGES is measured too)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from notifications.services import notify
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The header's pieces: one line means every one of them overlaps every other vertically.
ONE_LINE = """() => {
  const parts = [...document.querySelectorAll(
    '.site-name, .site-nav li, .site-tools > *')].map(el => el.getBoundingClientRect());
  const top = Math.max(...parts.map(r => r.top)), bottom = Math.min(...parts.map(r => r.bottom));
  return {lines_overlap: top < bottom, height: document.querySelector('.site-header').offsetHeight,
          tops: parts.map(r => Math.round(r.top)), widths: parts.map(r => Math.round(r.width))};
}"""


@pytest.fixture
def officer(fresh_caches):
    with zeal_ignore():
        ensure_current_terms()
        user = UserFactory(username="mariadelcarmen", first_name="María del Carmen", last_name="Hernández-Villanueva")
        group, _ = Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)
        user.groups.add(group)
        notify([user], kind="records", event="batch_review", data={"batch": 1, "schedule": "Minutes", "n": 3},
               url="/records/")
        add_member(CommunityFactory(name="Duty station notes", slug="duty-station-notes"), user, Role.OWNER)
    return user


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_header_holds_on_one_line_at_1280_px_with_one_unread(officer, page, language):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("button[type=submit]").last.click()
    expect(page.locator(".signed-in")).to_be_visible()
    page.locator(".account-menu summary").click()  # the account menu holds the language form
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".site-nav .count")).to_be_visible()
    assert page.viewport_size["width"] == 1280
    measured = page.evaluate(ONE_LINE)
    assert measured["lines_overlap"], f"the header wraps in {language}: {measured}"
    assert measured["height"] < 64, measured  # one line: 2.5rem of text and padding, not two

    # The owners' moderation site wears the same header, and it holds there too.
    page.goto("/moderation/")
    expect(page.locator(".moderation-bar")).to_be_visible()
    measured = page.evaluate(ONE_LINE)
    assert measured["lines_overlap"], f"the moderation site's header wraps in {language}: {measured}"
    assert measured["height"] < 64, measured
