"""A system manager's day in a real browser, at /admin/ only (SPEC §1, §3, §5).

Sam, a superuser with a local break-glass password, signs in, publishes a new
version of the terms of use (and, like everyone, accepts it before going on),
appoints an owner of a community whose owners have all left, reads an escalated
item and resolves its case, makes a colleague a records officer and deactivates
a leaver. No API and no shell: every step is a page, checked by axe-core (no
serious or critical WCAG 2.1 A/AA violation) and shot at 1280 and 390 px.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities import services as community_services
from communities.models import Membership, Role
from moderation import services as moderation_services
from moderation.models import EscalationCase
from posts import services as post_services
from tests.browser import ensure_current_terms, sign_in
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.models import TermsAcceptance, TermsVersion, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ESCALATED = "Allegation about a procurement officer"


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        return _site()


def _site():
    """Committed data: the live server reads it from another thread."""
    ensure_current_terms()
    manager = UserFactory(username="sam", first_name="Sam", last_name="Manager", is_staff=True, is_superuser=True)
    owner = UserFactory(username="omar", first_name="Omar", last_name="Owner")
    heir = UserFactory(username="hana", first_name="Hana", last_name="Heir")
    UserFactory(username="rosa", first_name="Rosa", last_name="Records")
    UserFactory(username="leo", first_name="Leo", last_name="Leaver")

    # An open community whose only owner has left: it needs a system manager to appoint one.
    orphan = CommunityFactory(name="Field logistics", slug="field-logistics", description="Convoys and depots.")
    left = add_member(orphan, owner, Role.OWNER)
    add_member(orphan, heir, Role.MEMBER)
    left.expires_at = timezone.now() - timezone.timedelta(days=1)
    left.save(update_fields=["expires_at"])
    assert orphan in community_services.orphaned_communities()

    # An item a moderator escalated to management.
    ethics = CommunityFactory(name="Ethics office", slug="ethics-office", description="Questions of conduct.")
    moderator = UserFactory(username="mira")
    add_member(ethics, moderator, Role.OWNER)
    post, _w = post_services.post_create(
        actor=moderator,
        community=ethics,
        title=ESCALATED,
        body="Details for management.",
        body_format="markdown",
        classification="unclassified",
    )
    moderation_services.item_escalate(actor=moderator, item=post, reason="Possible misconduct: for management.")
    return {"manager": manager, "orphan": orphan, "post": post}


def test_a_system_manager_runs_the_site_from_the_admin(site, page, check_a11y, shoot):
    # --- sign in with the break-glass password: the site administration
    sign_in(page, "sam", "/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    check_a11y(page, "admin home")
    shoot(page, "admin-home")

    # --- a new version of the terms of use, published now
    page.get_by_role("link", name="Terms versions").click()
    page.get_by_role("link", name=re.compile(r"Add terms version")).click()
    page.get_by_label("Version").fill("2027-1")
    page.get_by_label("Title").fill("Terms of use, 2027")
    page.get_by_label("Text").fill("Use unisocial for work. Mark what you share at its level.")
    page.get_by_role("link", name="Today").first.click()
    page.get_by_role("link", name="Now").first.click()
    check_a11y(page, "admin terms form")
    page.get_by_role("button", name="Save", exact=True).click()
    # The new version is current at once: like every user, the manager accepts it before going on.
    expect(page).to_have_url(re.compile(r"/terms/"))
    expect(page.get_by_role("heading", name="Terms of use, 2027")).to_be_visible()
    current = TermsVersion.current()
    assert current.version == "2027-1"
    check_a11y(page, "terms")
    page.get_by_role("button", name=re.compile("accept", re.IGNORECASE)).click()
    assert TermsAcceptance.objects.filter(user=site["manager"], terms=current).exists()

    # --- appoint an owner of the community whose owners have all left
    page.goto("/admin/communities/community/")
    check_a11y(page, "admin communities")
    shoot(page, "admin-communities")
    page.get_by_role("link", name="Appoint an owner").click()
    expect(page.get_by_role("heading", name="Appoint an owner")).to_be_visible()
    page.get_by_label("Community").select_option(label="Field logistics")
    page.get_by_label("Username").fill("sam")  # never themselves
    page.get_by_role("button", name=re.compile("Appoint")).click()
    expect(page.locator(".errorlist")).to_be_visible()
    assert not Membership.objects.filter(user=site["manager"]).exists()
    page.get_by_label("Community").select_option(label="Field logistics")
    page.get_by_label("Username").fill("hana")
    page.get_by_role("button", name=re.compile("Appoint")).click()
    expect(page.locator(".messagelist")).to_contain_text("Hana Heir is now owner of Field logistics")
    check_a11y(page, "admin appoint owner")
    shoot(page, "admin-appoint-owner")
    hana = Membership.objects.active().get(user__username="hana", content_object_id=site["orphan"].pk)
    assert hana.role == Role.OWNER

    # --- the escalation: read the item, then resolve the case
    page.goto("/admin/")
    page.get_by_role("link", name="Escalation cases").click()
    rows = page.locator("table#result_list tbody tr")
    expect(rows).to_have_count(1)
    check_a11y(page, "admin escalations")
    rows.first.locator("th a, td a").first.click()
    expect(page.get_by_role("heading", name="The escalated item")).to_be_visible()
    expect(page.get_by_text(ESCALATED)).to_be_visible()
    check_a11y(page, "admin escalation case")
    shoot(page, "admin-escalation")
    page.go_back()
    rows.first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Resolve the selected cases")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("1 case(s) resolved.")
    case = EscalationCase.objects.get()
    assert case.resolved_at is not None and case.resolved_by == site["manager"]

    # --- a colleague becomes a records officer (the group of that exact name)
    page.goto("/admin/unisocial/user/")
    page.get_by_role("searchbox").fill("rosa")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="rosa", exact=True).click()
    check_a11y(page, "admin user")
    page.get_by_label("Records officers").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    officers = Group.objects.get(name="Records officers")
    assert officers.user_set.filter(username="rosa").exists()

    # --- a leaver is deactivated, never deleted (their content stays)
    page.goto("/admin/unisocial/user/?q=leo")
    page.get_by_role("link", name="leo", exact=True).click()
    expect(page.get_by_role("link", name="Delete")).to_have_count(0)
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert not User.objects.get(username="leo").is_active
    shoot(page, "admin-users")

    assert page.js_errors == []
