"""@mention suggestions in the browser (SPEC §2.3, §2.4): the textarea form offers only people who
will be able to read the item at its chosen level and readers, re-checks mentions already typed when
the level or the readers change and warns before publishing; the keyboard chooses (ArrowDown, Enter).
Only Playwright's auto-waiting ``expect`` is used: no sleeps."""

import re

import pytest
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():
        ensure_current_terms()
        board = CommunityFactory(name="Board", slug="board", visibility="restricted", ceiling="strictly_confidential")
        people = {
            name: UserFactory(username=name, first_name=name.title(), last_name=last)
            for name, last in [
                ("amina", "Member"),
                ("olena", "Owner"),
                ("dana", "Member"),
                ("dora", "Reader"),
                ("david", "Moderator"),
                ("diego", "Outsider"),
            ]
        }
        add_member(board, people["olena"], Role.OWNER)
        add_member(board, people["david"], Role.MODERATOR)
        for name in ("amina", "dana", "dora"):
            add_member(board, people[name])
        return {**people, "board": board}


def options(page):
    return page.get_by_role("listbox", name="People who will be able to read this").get_by_role("option")


def test_suggestions_follow_the_level_and_readers_and_warn_of_a_mention_left_out(site, page, check_a11y):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/posts/new/?community=board")
    expect(page.get_by_role("heading", level=1)).to_have_text("New post in Board")
    page.get_by_label("Title").fill("Budget review")
    page.get_by_label("Classification").select_option("confidential")

    # Confidential: the members who match "d" — not Diego, who is not a member.
    body = page.get_by_label("Text", exact=True)
    body.click()
    body.press_sequentially("Please review, @d")
    expect(options(page)).to_have_count(3)
    expect(options(page)).to_have_text(["Dana Member @dana", "David Moderator @david", "Dora Reader @dora"])
    check_a11y(page, "mention suggestions")

    # The keyboard chooses: ArrowDown twice, Enter inserts @david.
    body.press("ArrowDown")
    body.press("ArrowDown")
    expect(options(page).nth(1)).to_have_attribute("aria-selected", "true")
    body.press("Enter")
    expect(body).to_have_text(re.compile(r"^Please review, @david\s*$"))  # the rich editor's text
    expect(options(page)).to_have_count(0)
    notice = page.locator("[data-mentions-notice]")
    expect(notice).to_be_hidden()  # David reads a confidential post

    # Strictly confidential with Dora named: David (a moderator) would not see it, and is named.
    page.get_by_label("Classification").select_option("strictly_confidential")
    page.get_by_role("combobox", name="Named readers").fill("dora")
    page.get_by_role("combobox", name="Named readers").press("Escape")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("aria-live", "polite")
    expect(notice).to_contain_text("will not be able to see this item: david")
    expect(page.locator("#audience-line")).to_contain_text("3 named people")  # Amina, Dora, Olena

    # The suggestions now hold only those who will read it.
    body.click()
    body.press("End")
    body.press_sequentially("and @d")
    expect(options(page)).to_have_text(["Dora Reader @dora"])
    body.press("ArrowDown")
    body.press("Enter")
    expect(body).to_have_text(re.compile(r"^Please review, @david and @dora\s*$"))
    expect(notice).to_contain_text("will not be able to see this item: david")
    expect(notice).not_to_contain_text("dora")
    check_a11y(page, "mention warning")

    # Back to confidential: everyone mentioned reads it; the warning goes.
    page.get_by_role("combobox", name="Named readers").fill("")
    page.get_by_label("Classification").select_option("confidential")
    expect(notice).to_be_hidden()

    # The module the rich-text editor imports answers the same, called directly.
    answer = page.evaluate(
        """async () => {
            const audience = await import("/static/js/src/audience.js");
            const args = {slug: "board", classification: "strictly_confidential", readers: ["dora"]};
            return {
                people: await audience.fetchAudience({...args, q: "d"}),
                outside: await audience.recheckMentions({...args, usernames: ["@david", "dora", "nobody"]}),
                global: window.unisocialAudience.fetchAudience === audience.fetchAudience,
            };
        }"""
    )
    assert answer == {
        "people": [{"username": "dora", "display_name": "Dora Reader"}],
        "outside": ["david", "nobody"],
        "global": True,
    }
    assert not page.js_errors, page.js_errors


def test_a_comment_offers_the_people_who_read_its_post(site, page, check_a11y):
    from posts import services as post_services

    with zeal_ignore():
        post, _ = post_services.post_create(
            actor=site["olena"],
            community=site["board"],
            title="Budget figures",
            classification="confidential",
        )
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(post.get_absolute_url())
    page.wait_for_load_state("load")  # the editor's deferred script has replaced the textarea
    comment = page.get_by_label("Your comment")
    comment.click()
    comment.press_sequentially("Thanks @da")
    expect(options(page)).to_have_text(["Dana Member @dana", "David Moderator @david"])
    check_a11y(page, "comment mention suggestions")
    comment.press("ArrowDown")
    comment.press("Enter")
    expect(comment).to_have_text(re.compile(r"^Thanks @dana\s*$"))
    comment.press_sequentially("and @diego")  # not a member: not offered, and named before posting
    expect(options(page)).to_have_count(0)
    expect(page.locator("[data-mentions-notice]")).to_contain_text("will not be able to see this item: diego")
    assert not page.js_errors, page.js_errors
