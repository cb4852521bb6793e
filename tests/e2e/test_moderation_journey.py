"""An owner's moderation round in a real browser (SPEC §3).

The owner signs in, opens the owners' admin site at /moderation/, finds the
reported post in the queue, hides it with a reason given on the intermediate
page, and sees its status change. axe-core checks the /moderation/ pages (no
serious or critical WCAG 2.1 A/AA violation). Only Playwright's auto-waiting
``expect`` is used: no sleeps.
"""
import re

import pytest
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from moderation import services as moderation_services
from posts import services as post_services
from posts.models import Post
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Cheap watches for the whole team"


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        return _site()


def _site():
    """Committed data: the live server reads it from another thread."""

    ensure_current_terms()
    owner = UserFactory(username="olena", first_name="Olena", last_name="Owner")
    author = UserFactory(username="spammy")
    reporter = UserFactory(username="rita")
    community = CommunityFactory(
        name="Duty station notes", slug="duty-station-notes", visibility="open",
        description="Notes from the duty stations.",
    )
    add_member(community, owner, Role.OWNER)
    add_member(community, author, Role.MEMBER)
    add_member(community, reporter, Role.MEMBER)
    post, _w = post_services.post_create(
        actor=author, community=community, title=TITLE, body="Buy now, limited offer.",
        body_format="markdown", classification="unclassified",
    )
    moderation_services.flag_create(actor=reporter, item=post, reason="spam", note="Advertising.")
    post.refresh_from_db()
    assert post.status == "published"  # one report stays below the auto-hide threshold
    return {"owner": owner, "post": post, "community": community}


def test_an_owner_reviews_the_queue_and_hides_a_reported_post_with_a_reason(site, page, check_a11y):
    post = site["post"]

    # --- sign in
    page.goto("/accounts/login/?next=/moderation/")
    page.get_by_label("Username").fill("olena")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/moderation/$"))

    # --- the moderation home: one item to review
    queue_link = page.get_by_role("link", name="1 item to review")
    expect(queue_link).to_be_visible()
    expect(page.get_by_role("link", name="Duty station notes")).to_be_visible()
    check_a11y(page, "moderation home")

    # --- the queue: the reported post, with its report counted by reason
    queue_link.click()
    expect(page).to_have_url(re.compile(r"/moderation/queue/$"))
    # One review card per item (the item, its reports grouped by reason with notes, a button per action).
    row = page.locator(".review-card").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Duty station notes")
    expect(row).to_contain_text("Spam (1)")
    expect(row).to_contain_text("Advertising.")
    expect(row).to_contain_text("Published")
    check_a11y(page, "moderation queue")

    # --- the posts of my communities; hide the post, giving a reason on the intermediate page
    page.goto("/moderation/moderation/moderatedpost/?reason=spam")
    result_row = page.locator("#result_list tbody tr").filter(has_text=TITLE)
    expect(result_row).to_have_count(1)
    result_row.locator("input[name='_selected_action']").check()
    page.locator("select[name='action']").select_option("hide_selected")
    page.locator("button[name='index'], input[name='index']").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("give a reason")
    reason = page.get_by_label("Reason")
    expect(reason).to_have_attribute("required", "")
    check_a11y(page, "moderation reason page")
    reason.fill("Advertising is not allowed here.")
    page.locator("#content-main form input[type='submit']").click()
    expect(page.get_by_text("done for 1 item(s).")).to_be_visible()

    # --- the status changed: hidden, the report closed (so no longer under "reported for spam"), logged
    expect(page.locator("#result_list tbody tr").filter(has_text=TITLE)).to_have_count(0)
    page.goto("/moderation/moderation/moderatedpost/")
    result_row = page.locator("#result_list tbody tr").filter(has_text=TITLE)
    expect(result_row).to_contain_text("Hidden")
    post.refresh_from_db()
    assert post.status == "hidden"
    page.goto("/moderation/queue/")
    expect(page.get_by_text("Nothing to review.")).to_be_visible()
    page.goto("/moderation/moderation/moderationaction/")
    expect(page.locator("#result_list")).to_contain_text("Advertising is not allowed here.")
    assert Post.objects.get(pk=post.pk).status == "hidden"
    assert not page.js_errors, page.js_errors
