"""A community owner's day in a real browser (SPEC §1, §2.1, §2.3, §2.5).

Olena owns "Field security". She opens the members page, adds a colleague with the people
picker, tries to re-add her moderator (refused with a message, the role unchanged), changes a
role with the change control, removes a member after confirming, reverts a wiki page after
confirming, opens a member's profile and follows him, and finds his post under "people I
follow" on her home page. axe-core checks every page; each main page is shot at 1280 and 390 px
(where it must not scroll sideways). Only Playwright's auto-waiting ``expect``: no sleeps.
"""
import re

import pytest
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Membership, Role
from posts import services as post_services
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLLOWED_TITLE = "Radio checks at the duty stations"


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        return _site()


def _site():
    """Committed data: the live server reads it from another thread."""
    ensure_current_terms()
    olena = UserFactory(username="olena", first_name="Olena", last_name="Owner")
    maria = UserFactory(username="maria", first_name="Maria", last_name="Moderator")
    ken = UserFactory(username="ken", first_name="Ken", last_name="Member")
    rafael = UserFactory(username="rafael", first_name="Rafael", last_name="Leaving")
    UserFactory(username="nadia", first_name="Nadia", last_name="Newcomer")
    UserFactory(username="nadim", first_name="Nadim", last_name="Other")
    field = CommunityFactory(
        name="Field security", slug="field-security", visibility="moderated",
        description="Security briefings for duty stations.",
    )
    add_member(field, olena, Role.OWNER)
    add_member(field, maria, Role.MODERATOR)
    add_member(field, ken, Role.MEMBER)
    add_member(field, rafael, Role.MEMBER)
    wiki, _ = post_services.wiki_create(
        actor=olena, community=field, title="Travel checklist", slug="travel-checklist",
        body="Register the trip before leaving.", body_format="markdown", classification="unclassified",
    )
    post_services.wiki_update(actor=ken, page=wiki, body="Register the trip. Skip the radio.",
                              body_format="markdown")
    # Ken also writes in a community Olena is not in: she sees it only by following him.
    practice = CommunityFactory(name="Radio practice", slug="radio-practice", visibility="open")
    add_member(practice, ken, Role.MEMBER)
    post_services.post_create(
        actor=ken, community=practice, title=FOLLOWED_TITLE, body="Every morning at 8.",
        body_format="markdown", classification="unclassified",
    )
    return {"field": field, "maria": maria, "ken": ken, "rafael": rafael}


def _role_of(community, username):
    with zeal_ignore():
        membership = Membership.objects.filter(content_object=community, user__username=username).first()
        return membership.role if membership else None


def test_an_owner_runs_her_community_from_the_members_page_to_the_people_she_follows(
    site, page, check_a11y, shoot
):
    field = site["field"]

    # --- sign in, open the members page: a readable list
    page.goto("/accounts/login/?next=/communities/field-security/members/")
    page.get_by_label("Username").fill("olena")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/communities/field-security/members/$"))
    members = page.locator(".member-list")
    expect(members.locator(".member")).to_have_count(4)
    expect(members.get_by_role("link", name="Maria Moderator", exact=True)).to_be_visible()
    check_a11y(page, "owner members")
    shoot(page, "owner-members")

    # --- add a member with the people picker (typing part of a name, then choosing)
    username = page.get_by_role("combobox", name="Username")
    username.press_sequentially("Nad")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.filter(has_text="Nadia Newcomer")).to_be_visible()
    check_a11y(page, "owner members picker")
    username.press("ArrowDown")
    username.press("Enter")
    expect(username).to_have_value("nadia")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Nadia Newcomer is now a member of the community.")).to_be_visible()
    expect(members.locator(".member")).to_have_count(5)

    # --- re-adding the moderator is refused, her role unchanged
    page.get_by_role("combobox", name="Username").fill("maria")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text(
        "Maria Moderator is already a moderator of this community; change the role in the list."
    )).to_be_visible()
    assert _role_of(field, "maria") == Role.MODERATOR
    shoot(page, "owner-members-refused")

    # --- change a role explicitly: Ken becomes a moderator
    ken_row = page.locator("#member-ken")
    ken_row.get_by_text("Change role").click()
    ken_row.get_by_label("Role of Ken Member").select_option("moderator")
    ken_row.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_text("The membership of Ken Member was updated.")).to_be_visible()
    expect(page.locator("#member-ken .member__role")).to_have_text("Moderator")

    # --- remove a member, after confirming
    page.locator("#member-rafael").get_by_role("link", name=re.compile("Remove")).click()
    expect(page.get_by_role("heading", name="Remove Rafael Leaving from Field security?")).to_be_visible()
    assert _role_of(field, "rafael") == Role.MEMBER  # asking changed nothing
    check_a11y(page, "owner remove confirmation")
    shoot(page, "owner-remove-confirm")
    page.get_by_role("button", name="Remove Rafael Leaving").click()
    expect(page.get_by_text("Rafael Leaving was removed from the community.")).to_be_visible()
    assert _role_of(field, "rafael") is None

    # --- revert a wiki page, after confirming
    page.goto("/communities/field-security/wiki/travel-checklist/history/")
    check_a11y(page, "owner wiki history")
    page.get_by_role("link", name=re.compile("Revert to this")).click()
    expect(page.get_by_role("heading", name="Revert “Travel checklist”?")).to_be_visible()
    check_a11y(page, "owner revert confirmation")
    shoot(page, "owner-revert-confirm")
    page.get_by_role("button", name="Revert the page").click()
    expect(page.get_by_text("Register the trip before leaving.")).to_be_visible()
    expect(page.get_by_text("Skip the radio.")).to_have_count(0)

    # --- open a member's profile from the members page, and follow him
    page.goto("/communities/field-security/members/")
    page.locator("#member-ken").get_by_role("link", name="Ken Member", exact=True).click()
    expect(page).to_have_url(re.compile(r"/people/ken/$"))
    expect(page.get_by_role("heading", name="Ken Member", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=FOLLOWED_TITLE)).to_be_visible()
    check_a11y(page, "profile")
    shoot(page, "profile")
    page.get_by_role("button", name="Follow Ken Member").click()
    expect(page.get_by_text("You follow Ken Member.")).to_be_visible()
    expect(page.get_by_role("button", name="Stop following Ken Member")).to_be_visible()
    shoot(page, "profile-following")

    # --- home, "my communities and people I follow": his post is there
    page.goto("/")
    expect(page.get_by_role("link", name="My communities and people I follow")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("link", name=FOLLOWED_TITLE)).to_be_visible()
    check_a11y(page, "owner home following")
    shoot(page, "owner-home-following")


def test_the_readers_picker_of_a_strictly_confidential_post_offers_the_members_only(page, check_a11y, fresh_caches):
    # SPEC §2.3: named readers must be members; the picker draws from the community's members.
    with zeal_ignore():
        ensure_current_terms()
        olena = UserFactory(username="olena", first_name="Olena", last_name="Owner")
        board = CommunityFactory(name="Audit board", slug="audit-board", visibility="restricted",
                                 ceiling="strictly_confidential")
        add_member(board, olena, Role.OWNER)
        add_member(board, UserFactory(username="marta", first_name="Marta", last_name="Member"))
        UserFactory(username="marco", first_name="Marco", last_name="Outsider")
    page.goto("/accounts/login/?next=/posts/new/%3Fcommunity%3Daudit-board")
    page.get_by_label("Username").fill("olena")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Classification").select_option("strictly_confidential")
    readers = page.get_by_role("combobox", name="Named readers")
    readers.press_sequentially("mar")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Marta Member")
    check_a11y(page, "owner readers picker")
    options.first.click()
    expect(readers).to_have_value("marta, ")
