"""Every main staff page holds at 390 px (SPEC §2.5: long words and titles wrap and never widen
the page), even with a title and a body of one unbroken word: no sideways scroll on the home
feed, a community, the post and its edit form, search, notifications, a wiki page and a profile."""

import pytest
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from posts import services as post_services
from tests.browser import NARROW, ensure_current_terms, page_width, too_wide
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The longest title a post may have (its column holds 200 characters), and a longer body word.
LONG_TITLE = "Budgetreconciliation" * 10
LONG_WORD = "Interagencycoordinationmechanism" * 10


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        ensure_current_terms()
        author = UserFactory(username="wiremu", first_name="Wiremu", last_name="Writer")
        reader = UserFactory(username="lena", first_name="Lena", last_name="Reader")
        community = CommunityFactory(name="Finance network", slug="finance-network", visibility="open")
        add_member(community, author, Role.OWNER)
        add_member(community, reader, Role.MEMBER)
        post, _w = post_services.post_create(
            actor=author,
            community=community,
            title=LONG_TITLE,
            body=f"{LONG_WORD} and @lena, see the table.\n\n| a | b |\n|---|---|\n| {LONG_WORD} | x |",
            body_format="markdown",
            classification="unclassified",
        )
        post_services.comment_create(actor=reader, post=post, body=LONG_WORD)
        wiki, _w = post_services.wiki_create(
            actor=author,
            community=community,
            title=LONG_TITLE[:120],
            slug="long",
            body=LONG_WORD,
            body_format="markdown",
            classification="unclassified",
        )
    return {"post": post, "wiki": wiki}


def _login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def test_the_main_pages_hold_at_390_px_with_a_long_unbroken_title(site, page):
    post = site["post"]
    _login(page, "lena")
    page.set_viewport_size(NARROW)
    pages = [
        "/",
        "/?scope=open",
        "/communities/",
        "/communities/finance-network/",
        f"/posts/{post.pk}/",
        f"/posts/{post.pk}/history/",
        f"/search/?q={LONG_TITLE[:20]}",
        "/notifications/",
        "/communities/finance-network/wiki/long/",
        "/communities/finance-network/wiki/",
        "/posts/new/?community=finance-network",
        "/people/wiremu/",
    ]
    wide = {}
    for url in pages:
        page.goto(url)
        width = page_width(page)
        if width > NARROW["width"]:
            wide[url] = (width, too_wide(page, NARROW["width"]))
    # The author's own pages: the edit form carries the title in its field.
    page.context.clear_cookies()
    _login(page, "wiremu")
    for url in (f"/posts/{post.pk}/edit/", f"/posts/{post.pk}/", "/communities/finance-network/wiki/long/edit/"):
        page.goto(url)
        width = page_width(page)
        if width > NARROW["width"]:
            wide[url] = (width, too_wide(page, NARROW["width"]))
    assert not wide, "\n".join(f"{url}: {w} px; {els}" for url, (w, els) in wide.items())
