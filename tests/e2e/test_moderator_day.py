"""A moderator's and an owner's day in a real browser, entirely without the API (SPEC §1, §3).

The moderator opens the queue at /moderation/, reads a review card (the item, its reports grouped
by reason with notes, one button per action), reclassifies one item with a reason and its new
level, and rejects a post awaiting approval; the owner escalates another from the item's own page.
The rejected author, signed in, reads the reason in the notification and the true state on the
page (and finds no Report link on his own post). A third reporter's report hides an item: she lands
on a page that thanks her and says it is now hidden. axe-core checks each main page; screenshots
are named "moderation-…". Only Playwright's auto-waiting ``expect`` is used: no sleeps.
"""

import re

import pytest
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from moderation import services as moderation_services
from moderation.models import EscalationCase, ModerationAction
from posts import services as post_services
from posts.models import Post
from tests.browser import ensure_current_terms, sign_in
from tests.factories import CommunityFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SALARIES = "Salary bands for the new posts"
GIFTS = "A vendor offered the team gifts"
LUNCH = "Team lunch at my cousin's restaurant"
WATCHES = "Cheap watches for the whole team"


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        return _site()


def _site():
    """Committed data: the live server reads it from another thread."""
    ensure_current_terms()
    owner = UserFactory(username="olena", first_name="Olena", last_name="Owner")
    moderator = UserFactory(username="mario", first_name="Mario", last_name="Moderator")
    author = UserFactory(username="sam", first_name="Sam", last_name="Author")
    reporters = [UserFactory(username=name) for name in ("rita", "ravi", "rosa")]
    manager = UserFactory(username="boss", is_superuser=True, is_staff=True)
    community = CommunityFactory(
        name="Field operations",
        slug="field-operations",
        visibility="moderated",
        ceiling="confidential",
        description="Notes from the field.",
        premoderation=True,
    )
    add_member(community, owner, Role.OWNER)
    add_member(community, moderator, Role.MODERATOR)
    for person in (author, *reporters):
        add_member(community, person, Role.MEMBER)

    def write(title, body, actor=owner):
        post, _w = post_services.post_create(
            actor=actor,
            community=community,
            title=title,
            body=body,
            body_format="markdown",
            classification="unclassified",
        )
        return post

    salaries = write(SALARIES, "The bands, grade by grade, with each person's step.")
    gifts = write(GIFTS, "They sent hampers to everyone in procurement.")
    watches = write(WATCHES, "Buy now, limited offer.")
    lunch = write(LUNCH, "Ten per cent off for colleagues this week!", actor=author)  # waits: pre-moderation
    assert lunch.status == "pending"
    moderation_services.flag_create(
        actor=reporters[0], item=salaries, reason="confidentiality", note="It lists named people's salaries."
    )
    moderation_services.flag_create(actor=reporters[1], item=gifts, reason="other", note="Possible fraud?")
    for reporter in reporters[:2]:
        moderation_services.flag_create(actor=reporter, item=watches, reason="spam", note="Advertising.")
    return {
        "community": community,
        "salaries": salaries,
        "gifts": gifts,
        "watches": watches,
        "lunch": lunch,
        "manager": manager,
    }


def card(page, title):
    return page.locator(".review-card").filter(has_text=title)


def test_a_moderators_day_in_the_browser(site, page, check_a11y, shoot):
    # --- the moderator opens the moderation area: the site's header, its language, its look
    sign_in(page, "mario", "/moderation/")
    expect(page).to_have_url(re.compile(r"/moderation/$"))
    expect(page.locator("header.site-header")).to_contain_text("Signed in as")
    expect(page.get_by_role("link", name="4 items to review")).to_be_visible()
    check_a11y(page, "moderation home")
    shoot(page, "moderation-home")

    # --- the queue: one review card per item, oldest first, reports grouped by reason with notes
    page.get_by_role("link", name="4 items to review").click()
    expect(page).to_have_url(re.compile(r"/moderation/queue/$"))
    expect(page.locator(".review-card")).to_have_count(4)
    salaries = card(page, SALARIES)
    expect(salaries).to_contain_text("Confidentiality (above the community's level or wrong audience) (1)")
    expect(salaries).to_contain_text("It lists named people's salaries.")
    expect(salaries).to_contain_text("The bands, grade by grade")  # the item itself
    for button in ("Hide", "Dismiss flags", "Reclassify", "Escalate to management"):
        expect(salaries.get_by_role("button", name=button)).to_be_visible()
    expect(card(page, WATCHES)).to_contain_text("Spam (2)")
    expect(card(page, LUNCH).get_by_role("button", name="Approve")).to_be_visible()
    expect(page.get_by_role("group", name="Several items at once")).to_be_visible()  # the bulk form, kept
    check_a11y(page, "moderation queue")
    shoot(page, "moderation-queue")

    # --- reclassify the salaries post, with a reason and the new level
    salaries.get_by_label("Reason").fill("Salaries of named staff are confidential.")
    salaries.get_by_label("Raise the level to (Reclassify)").select_option("confidential")
    salaries.get_by_role("button", name="Reclassify").click()
    expect(page).to_have_url(re.compile(r"/moderation/queue/$"))
    expect(page.get_by_text("Reclassified: the item now has its new level")).to_be_visible()
    expect(card(page, SALARIES)).to_have_count(0)
    assert Post.objects.get(pk=site["salaries"].pk).classification == "confidential"

    # --- reject the pending post, with a reason the author will read
    lunch = card(page, LUNCH)
    lunch.get_by_role("button", name="Reject").click()  # no reason yet: refused, nothing changes
    expect(page.get_by_text("Give a reason for this action.")).to_be_visible()
    assert Post.objects.get(pk=site["lunch"].pk).status == "pending"
    lunch = card(page, LUNCH)
    lunch.get_by_label("Reason").fill("Advertising a private business is not allowed here.")
    lunch.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Rejected: the item is hidden")).to_be_visible()
    expect(card(page, LUNCH)).to_have_count(0)
    check_a11y(page, "moderation queue after two actions")
    shoot(page, "moderation-queue-after")

    # --- the log keeps both, with their reasons
    page.get_by_role("navigation", name="Moderation").get_by_role("link", name="Moderation log").click()
    expect(page.locator("#result_list")).to_contain_text("Salaries of named staff are confidential.")
    expect(page.locator("#result_list")).to_contain_text("Advertising a private business is not allowed here.")
    check_a11y(page, "moderation log")
    shoot(page, "moderation-log")

    # --- the owner escalates the gifts post from the item's own page
    sign_in(page, "olena", f"/posts/{site['gifts'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(GIFTS)
    panel = page.locator("details.moderation-panel")
    panel.locator("summary").click()
    expect(panel).to_contain_text("Other: 1")
    panel.get_by_label("Reason").fill("A possible breach of the gifts rules: for the ethics office.")
    panel.get_by_role("button", name="Escalate to management").click()
    expect(page.get_by_text("Escalated: the system managers were notified")).to_be_visible()
    assert EscalationCase.objects.filter(target_id=site["gifts"].pk, resolved_at__isnull=True).exists()
    panel = page.locator("details.moderation-panel")
    panel.locator("summary").click()
    expect(panel.get_by_role("button", name="Escalate to management")).to_have_count(0)  # once is enough
    check_a11y(page, "post page with the moderation actions")
    shoot(page, "moderation-item-actions")

    # --- the rejected author reads why, and the true state of his post
    sign_in(page, "sam", "/notifications/")
    expect(page.locator("main")).to_contain_text("was rejected by moderation")
    expect(page.locator("main")).to_contain_text("Advertising a private business is not allowed here.")
    page.goto(f"/posts/{site['lunch'].pk}/")
    notice = page.locator(".notice--moderation")
    expect(notice).to_contain_text("Rejected by moderation: Advertising a private business is not allowed here.")
    expect(page.locator("main")).not_to_contain_text("pending review")
    expect(page.locator("details.report")).to_have_count(0)  # nobody reports their own item
    check_a11y(page, "the rejected author's post")
    shoot(page, "moderation-rejected-author")

    # --- the third reporter's report hides the item: she is thanked, not sent to "not found"
    sign_in(page, "rosa", f"/posts/{site['watches'].pk}/")
    page.locator("details.report summary").click()
    page.get_by_label("Reason").select_option("spam")
    page.get_by_label("Note (optional)").fill("The third advert this week.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your report")
    expect(page.locator("main")).to_contain_text("it is now hidden")
    assert Post.objects.get(pk=site["watches"].pk).status == "hidden"
    check_a11y(page, "report thank-you page")
    shoot(page, "moderation-report-thanks")

    assert ModerationAction.objects.filter(action="hide", actor__isnull=True).count() == 1
    assert not page.js_errors, page.js_errors


def test_the_bulk_form_still_acts_on_many_items_at_once(site, page, check_a11y):
    sign_in(page, "mario", "/moderation/queue/")
    expect(page.locator(".review-card")).to_have_count(4)
    card(page, GIFTS).get_by_label(f"Select “{GIFTS}” for the bulk action").check()
    card(page, WATCHES).get_by_label(f"Select “{WATCHES}” for the bulk action").check()
    bulk = page.get_by_role("group", name="Several items at once")
    bulk.get_by_label("Action").select_option("dismiss")
    bulk.get_by_role("button", name="Apply to the selected items").click()
    expect(page.get_by_text("done for 2 item(s).")).to_be_visible()
    expect(page.locator(".review-card")).to_have_count(2)
    assert ModerationAction.objects.filter(action="dismiss").count() == 2
