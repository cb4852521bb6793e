"""A member of staff's day in a real browser (SPEC §2.5, §2.4, §3, §4).

Sofia opens home (a composer, cards with an excerpt and their counts), posts from home,
recommends and comments on a colleague's post, reads a notification about an item whose
level was lowered since (its marking and words show the current level and title), meets the
"join to see its posts" empty state of a moderated community she is not in, reads the
pre-moderation note of a post form before typing, and finds a held post of hers with the
hold's notice where Edit was. axe-core checks each page; screenshots are named "staff-…".
Only Playwright's auto-waiting ``expect`` is used: no sleeps.
"""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from posts import services as post_services
from posts.models import Comment, Like, Post
from records import holds
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOWERED = "Supplier review dates"
KOFI_POST = "Rainwater harvesting results"


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        return _site()


def _site():
    """Committed data: the live server reads it from another thread."""
    ensure_current_terms()
    sofia = UserFactory(username="sofia", first_name="Sofia", last_name="Staff")
    kofi = UserFactory(username="kofi", first_name="Kofi", last_name="Colleague")
    olena = UserFactory(username="olena", first_name="Olena", last_name="Owner")
    officer = UserFactory(username="rosa")
    officer.groups.add(Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)[0])
    water = CommunityFactory(name="Water network", slug="water-network", visibility="open")
    procurement = CommunityFactory(
        name="Procurement", slug="procurement", visibility="moderated", ceiling="confidential", premoderation=True
    )
    field = CommunityFactory(name="Field security", slug="field-security", visibility="moderated")
    for community in (water, procurement, field):
        add_member(community, olena, Role.OWNER)
    for community in (water, procurement):
        add_member(community, sofia, Role.MEMBER)
        add_member(community, kofi, Role.MEMBER)
    post_services.post_create(
        actor=kofi,
        community=water,
        title=KOFI_POST,
        body_format="markdown",
        classification="unclassified",
        body="The **pilot** tanks in Dodoma collected 40% more than planned during the short rains.",
    )
    post_services.post_create(
        actor=olena,
        community=field,
        title="Convoy times",
        body="Members only.",
        body_format="markdown",
        classification="unclassified",
    )
    # Olena mentions Sofia in a confidential post, then lowers it: the notification says so now.
    secret, _w = post_services.post_create(
        actor=olena,
        community=procurement,
        title=LOWERED,
        body="Ask @sofia for the list.",
        body_format="markdown",
        classification="confidential",
    )
    post_services.item_reclassify(actor=olena, item=secret, classification="unclassified", reason="Dates are public")
    held, _w = post_services.post_create(
        actor=sofia,
        community=water,
        title="Pump supplier list",
        body="Three suppliers.",
        body_format="markdown",
        classification="unclassified",
    )
    holds.hold_place(actor=officer, target_type="post", target_id=held.pk, reason="Audit of pump tender")
    return {"sofia": sofia, "held": held}


def test_a_staff_member_does_the_day_from_home(site, page, shoot, check_a11y):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("sofia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # --- home: the composer, cards with an excerpt and their counts (SPEC §2.5)
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    composer = page.get_by_role("region", name="Write a post")
    expect(composer.get_by_label("Post in")).to_be_visible()
    card = page.locator(".feed-item").filter(has_text=KOFI_POST)
    expect(card.locator(".card__excerpt")).to_have_text(re.compile(r"^The pilot tanks in Dodoma collected 40%"))
    expect(card).to_contain_text("0 recommendations")
    expect(card).to_contain_text("0 comments")
    shoot(page, "staff-home")
    check_a11y(page, "staff home")

    # --- posting from home: choose the community, write, publish
    composer.get_by_label("Title").fill("Borehole maintenance checklist")
    composer.get_by_label("Post in").select_option("water-network")
    composer.get_by_role("button", name="Write a post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New post in Water network")
    expect(page.get_by_text("wait for a moderator's approval")).to_have_count(0)  # not pre-moderated
    expect(page.get_by_label("Title")).to_have_value("Borehole maintenance checklist")  # carried from home
    page.get_by_label("Text", exact=True).fill("Check the **seals** every month.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your post was published.")).to_be_visible()
    assert Post.objects.filter(title="Borehole maintenance checklist", author=site["sofia"]).exists()

    # --- recommend and comment on a colleague's post; the card's counts move
    page.goto("/")
    page.locator(".feed-item").filter(has_text=KOFI_POST).get_by_role("link", name=KOFI_POST).click()
    page.get_by_role("button", name="Recommend").click()
    expect(page.get_by_role("button", name="Undo my recommendation")).to_be_visible()
    page.wait_for_load_state("load")  # the editor's deferred script has replaced the textarea
    page.get_by_label("Your comment").fill("Could we try this in Mwanza?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment was added.")).to_be_visible()
    shoot(page, "staff-post")
    check_a11y(page, "staff post")
    assert Like.objects.filter(user=site["sofia"]).count() == 1
    assert Comment.objects.filter(author=site["sofia"]).count() == 1
    page.goto("/")
    card = page.locator(".feed-item").filter(has_text=KOFI_POST)
    expect(card).to_contain_text("1 recommendation")
    expect(card).to_contain_text("1 comment")

    # --- a notification about an item lowered since: the current level and title (SPEC §2.4)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Notifications")).click()
    row = page.locator(".notification").filter(has_text=LOWERED)
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text(re.compile("Unclassified", re.IGNORECASE))
    expect(row).not_to_contain_text("Confidential")
    shoot(page, "staff-notifications")
    check_a11y(page, "staff notifications")
    row.get_by_role("link", name=re.compile(LOWERED)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LOWERED)

    # --- a moderated community she is not in: why she sees no posts, and how to join
    page.goto("/communities/field-security/")
    expect(page.get_by_text("Join this community to see its posts.")).to_be_visible()
    expect(page.get_by_text("No posts")).to_have_count(0)
    expect(page.get_by_text("Convoy times")).to_have_count(0)
    expect(page.get_by_role("button", name="Request to join")).to_have_count(1)
    shoot(page, "staff-join-to-see")
    check_a11y(page, "staff join to see")

    # --- a pre-moderated community's form says so before she types (SPEC §3)
    page.goto("/communities/procurement/")
    page.get_by_role("link", name="New post").click()
    expect(page.get_by_text("Posts in this community wait for a moderator's approval.")).to_be_visible()
    shoot(page, "staff-premoderated-form")
    check_a11y(page, "staff pre-moderated form")

    # --- her held post: the notice where Edit was (SPEC §4)
    page.goto(f"/posts/{site['held'].pk}/")
    expect(page.get_by_text("This item is under a records hold.")).to_be_visible()
    actions = page.get_by_role("navigation", name="Post actions")
    expect(actions.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(actions.get_by_text("Edit and Delete are closed by a records hold")).to_be_visible()
    expect(page.get_by_text("Audit of pump tender")).to_have_count(0)  # no reason, no details
    shoot(page, "staff-held-post")
    check_a11y(page, "staff held post")
    assert not page.js_errors, page.js_errors
