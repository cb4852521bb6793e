"""Holds and archiving in a real browser (SPEC §4).

An officer holds a post; its author opens it and reads the notice before typing: no Edit,
Delete or comment form, and the edit form shows the notice instead of fields. The officer
then archives the community on /records/archiving/ and un-archives it again. axe-core checks
the held post page, its edit page and the archiving page."""
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Community, Role
from posts import services as post_services
from records import holds
from records.models import RecordsAuditLog
from tests.browser import ensure_current_terms, sign_in
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        ensure_current_terms()
        officer = UserFactory(username="rosa")
        group, _ = Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)
        officer.groups.add(group)
        author = UserFactory(username="ana")
        community = CommunityFactory(name="Procurement", slug="procurement", visibility="moderated")
        add_member(community, author, Role.MEMBER)
        post, _w = post_services.post_create(actor=author, community=community, title="Tender 42",
                                             body="The bids.", body_format="markdown", classification="unclassified")
        holds.hold_place(actor=officer, target_type="post", target_id=post.pk, reason="Audit of tender 42")
    return {"post": post, "community": community}


def test_the_author_is_told_before_typing_and_the_officer_archives(site, page, check_a11y, shoot):
    post = site["post"]
    sign_in(page, "ana", f"/posts/{post.pk}/")
    expect(page).to_have_url(re.compile(rf"/posts/{post.pk}/$"))
    expect(page.get_by_text("This item is under a records hold.")).to_be_visible()
    expect(page.get_by_text("Audit of tender 42")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Post actions")
    expect(nav.get_by_role("link", name="Edit")).to_have_count(0)
    expect(nav.get_by_role("link", name="Delete")).to_have_count(0)
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)
    check_a11y(page, "held post")
    shoot(page, "held-post")
    page.goto(f"/posts/{post.pk}/edit/")
    expect(page.get_by_text("This item is under a records hold.")).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    check_a11y(page, "held post, edit page")

    page.context.clear_cookies()
    sign_in(page, "rosa", "/records/archiving/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Archiving")
    check_a11y(page, "archiving page")
    shoot(page, "records-archiving")
    page.get_by_label("Community slug").fill("procurement")
    page.get_by_label("Action").select_option("archive")
    page.get_by_label("Reason").fill("Tender closed")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("procurement was archived.")).to_be_visible()
    page.get_by_role("link", name="Un-archive procurement…").click()
    page.get_by_label("Reason").fill("Appeal lodged")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("procurement was un-archived.")).to_be_visible()
    check_a11y(page, "archiving page, after")
    assert not Community.objects.get(pk=site["community"].pk).is_archived
    assert list(RecordsAuditLog.objects.filter(action__startswith="community_").order_by("pk")
                .values_list("action", flat=True)) == ["community_archived", "community_unarchived"]
    assert not page.js_errors, page.js_errors
