"""Two journeys in the other scripts (SPEC §7): Arabic, laid out right to left, and
Chinese (left to right). A person signs in, switches the language in the header (the
``django_language`` cookie the switch sets: no dependence on User.language), reads the home page,
opens a post, comments, searches, and (Arabic) visits a community and the records pages.

Checked on the way: ``<html lang dir>``; the layout mirrored in Arabic (the site name right of the
main navigation and of the tools, the text of the main column starting at its right edge) and not
in Chinese; axe-core on every page; the strings shown are the catalogue's, ``gettext`` under
``translation.override`` for a few known msgids, and differ from the English (this part is red
until the language's django.po lands: it is asserted last, so the screenshots are taken first).
Screenshots: ``ar/…`` and ``zh-hans/…`` under docs/screenshots/ (and 390/) with UNISOCIAL_SCREENSHOTS=1.
"""
import gettext as gettext_module
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from posts.services import posts as post_services
from tests.browser import ensure_current_terms, sign_in
from tests.factories import CommunityFactory, UserFactory, add_member
from tests.records.report_helpers import run_report
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Known strings of the pages the journeys pass: (what shows it, msgid).
# The project's own msgids ("Home" and "Search" are in Django's admin catalogue already).
KNOWN = [
    (".skip-link", "Skip to main content"),
    (".site-nav a[href='/communities/']", "Communities"),
    (".site-footer a[href='/terms/']", "Terms of use"),
    (".site-footer a[href='/policies/']", "Policies"),
]

FOUND = "%(count)s person found; use the arrow keys and Enter to choose."
FOUND_PLURAL = "%(count)s people found; use the arrow keys and Enter to choose."
FOUND_JS, FOUND_PLURAL_JS = json.dumps(FOUND), json.dumps(FOUND_PLURAL)


def djangojs(language, msgid, plural=None, n=None):
    """The committed djangojs catalogue's word (what /jsi18n/ serves), read with Python's gettext."""
    catalogue = gettext_module.translation("djangojs", settings.LOCALE_PATHS[0], [translation.to_locale(language)])
    return catalogue.ngettext(msgid, plural, n) if plural else catalogue.gettext(msgid)


BOXES = """() => {
  const box = sel => { const r = document.querySelector(sel).getBoundingClientRect();
                       return {left: r.left, right: r.right}; };
  const h1 = document.querySelector('main h1');
  const range = document.createRange(); range.selectNodeContents(h1);
  const text = range.getBoundingClientRect(), main = document.querySelector('main').getBoundingClientRect();
  return {name: box('.site-name'), nav: box('.site-nav'), tools: box('.site-tools'),
          h1_text: {left: text.left, right: text.right}, main: {left: main.left, right: main.right}};
}"""


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():
        ensure_current_terms()
        reader = UserFactory(username="layla", display_name="Layla Haddad")
        reader.groups.add(Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)[0])
        author = UserFactory(username="wang", display_name="王芳 Wang Fang")
        community = CommunityFactory(name="المياه والصرف الصحي — WASH", slug="wash",
                                     description="تبادل الخبرات حول المياه. Water practice notes.")
        add_member(community, reader, Role.MEMBER)
        add_member(community, author, Role.OWNER)
    post, _ = post_services.post_create(
        actor=author, community=community, title="سلام على الجميع: WASH cluster meeting 水资源",
        body="<p>اجتماع السلام في الساعة العاشرة. The meeting is at 10:00 in room B. 会议在十点。</p>",
    )
    run_report(reader, "inventory")  # the records inventory has a chart and tables to lay out
    return {"reader": reader, "author": author, "community": community, "post": post}


def switch_language(page, language):
    """The header's switch (the account menu holds it): it sets the django_language cookie."""
    page.locator(".account-menu summary").click()
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert any(c["name"] == "django_language" and c["value"] == language for c in page.context.cookies())


def check_direction(page, language, rtl, ui_heading=True):
    """``ui_heading``: the page's <h1> is the interface's (not a title someone wrote, which has its
    own direction, dir="auto")."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if rtl else "ltr")
    boxes = page.evaluate(BOXES)
    name, nav, tools = boxes["name"], boxes["nav"], boxes["tools"]
    if rtl:
        # Mirrored: the site name at the right, then the navigation, then the tools at the left.
        assert name["left"] >= nav["right"] - 1 and nav["left"] >= tools["right"] - 1, boxes
        # The heading's text starts at the right edge of the main column.
        assert not ui_heading or abs(boxes["h1_text"]["right"] - boxes["main"]["right"]) < 40, boxes
    else:
        assert name["right"] <= nav["left"] + 1 and nav["right"] <= tools["left"] + 1, boxes
        assert not ui_heading or abs(boxes["h1_text"]["left"] - boxes["main"]["left"]) < 40, boxes


def shown_strings(page, language):
    """(msgid, shown, the catalogue's) for the known strings of the page."""
    found = []
    with translation.override(language):
        for selector, msgid in KNOWN:
            shown = page.locator(selector).first.text_content().strip()
            found.append((msgid, shown, translation.gettext(msgid)))
    return found


def journey(site, page, shoot, check_a11y, language, rtl):
    prefix = language
    sign_in(page, "layla")
    expect(page.locator(".signed-in")).to_be_visible()
    switch_language(page, language)
    with translation.override(language):
        words = {m: translation.gettext(m) for m in (
            "Post comment", "Your comment was added.", "Search for", "Your comment", "Records")}

    # --- home
    page.goto("/")
    check_direction(page, language, rtl)
    # The JavaScript catalogue (/jsi18n/, djangojs) is loaded first: the scripts' words are the language's.
    assert page.evaluate("gettext('Running')") == djangojs(language, "Running") != "Running"
    found = page.evaluate(f"interpolate(ngettext({FOUND_JS}, {FOUND_PLURAL_JS}, 3), {{count: 3}}, true)")
    assert found == djangojs(language, FOUND, FOUND_PLURAL, 3) % {"count": 3}, found
    seen = shown_strings(page, language)
    shoot(page, f"{prefix}/home")
    check_a11y(page, f"home ({language})")

    # --- the post, a comment
    page.get_by_role("link", name=re.compile("WASH cluster meeting")).first.click()
    expect(page.locator("h1")).to_contain_text("WASH cluster meeting")
    expect(page.locator("h1")).to_have_attribute("dir", "auto")
    check_direction(page, language, rtl, ui_heading=False)
    page.get_by_label(words["Your comment"], exact=True).fill("شكرًا، سأحضر. Thanks, I will attend. 谢谢。")
    page.get_by_role("button", name=words["Post comment"]).click()
    expect(page.get_by_text(words["Your comment was added."])).to_be_visible()
    expect(page.locator(".comment__body").last).to_contain_text("Thanks, I will attend")
    expect(page.locator(".comment__body").last).to_have_attribute("dir", "auto")
    shoot(page, f"{prefix}/post")
    check_a11y(page, f"post ({language})")

    # --- search
    page.locator(".site-nav a[href='/search/']").click()
    expect(page).to_have_url(re.compile(r"/search/"))
    page.get_by_label(words["Search for"]).fill("WASH")
    page.get_by_role("search").locator("button[type=submit]").click()
    expect(page.locator(".search-result").first).to_contain_text("WASH cluster meeting")
    check_direction(page, language, rtl)
    shoot(page, f"{prefix}/search")
    check_a11y(page, f"search ({language})")

    # --- a community, the records pages
    page.goto(f"/communities/{site['community'].slug}/")
    check_direction(page, language, rtl, ui_heading=False)
    shoot(page, f"{prefix}/community")
    check_a11y(page, f"community ({language})")
    page.locator(".site-nav a[href='/records/']").click()
    expect(page).to_have_url(re.compile(r"/records/$"))
    expect(page.locator("main h1")).to_be_visible()
    check_direction(page, language, rtl)
    shoot(page, f"{prefix}/records")
    check_a11y(page, f"records ({language})")
    page.goto("/records/inventory/")
    expect(page.locator("svg").first).to_be_visible()
    check_direction(page, language, rtl)
    shoot(page, f"{prefix}/records-inventory")
    check_a11y(page, f"records inventory ({language})")
    assert not page.js_errors, page.js_errors

    # --- last: the strings are the catalogue's, and translated (red until the django.po lands)
    wrong = [(m, s, want) for m, s, want in seen if s != want]
    assert not wrong, f"{language}: shown strings are not the catalogue's: {wrong}"
    untranslated = [m for m, s, _want in seen if s == m]
    assert not untranslated, (f"{language}: still in English (locale/{translation.to_locale(language)}/"
                              f"LC_MESSAGES/django.po lacks them?): {untranslated}")


def test_a_journey_in_arabic_right_to_left(site, page, shoot, check_a11y):
    journey(site, page, shoot, check_a11y, "ar", rtl=True)


def test_a_journey_in_chinese(site, page, shoot, check_a11y):
    journey(site, page, shoot, check_a11y, "zh-hans", rtl=False)


def test_the_moderation_and_admin_sites_in_arabic(site, page, shoot, check_a11y):
    """The owners' moderation site (the site's header over Django's admin) and the system managers'
    /admin/, records admin included: right to left in Arabic, Django's admin RTL styles with ours."""
    from moderation import services as moderation_services

    with zeal_ignore():
        UserFactory(username="sam", display_name="Sam Manager", is_staff=True, is_superuser=True)
    moderation_services.flag_create(actor=site["reader"], item=site["post"], reason="other",
                                    note="هذا المنشور يحتاج مراجعة. Please review.")
    sign_in(page, "wang", "/moderation/queue/")
    switch_language(page, "ar")
    page.goto("/moderation/queue/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".review-card").first).to_contain_text("WASH cluster meeting")
    boxes = page.evaluate(BOXES)
    assert boxes["name"]["left"] >= boxes["nav"]["right"] - 1, boxes  # the site's header, mirrored
    shoot(page, "ar/moderation-queue")
    check_a11y(page, "moderation queue (ar)")

    sign_in(page, "sam", "/admin/")
    switch_language(page, "ar") if page.locator(".account-menu").count() else None
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": page.url}])
    for path, name in [("/admin/", "admin-home"), ("/admin/records/retentionschedule/", "admin-schedules"),
                       ("/admin/communities/community/", "admin-communities")]:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        # Django's admin in Arabic: its own RTL styles, the header's branding at the right.
        header = page.locator("#header").bounding_box()
        branding = page.locator("#branding").bounding_box()
        assert branding["x"] + branding["width"] > header["x"] + header["width"] / 2, (path, branding, header)
        shoot(page, f"ar/{name}")
        check_a11y(page, f"{name} (ar)")
    assert not page.js_errors, page.js_errors
