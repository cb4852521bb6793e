"""Holds freeze (SPEC §4): a held item cannot be edited, withdrawn, hidden,
reclassified or commented on, on every path — the services, the pages, the API, moderation —
and a community hold covers what is created while it lasts. The page says so before anyone
types, to those who could otherwise change the item, and to nobody else."""
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from zeal import zeal_ignore

from communities.models import Role
from moderation import services as moderation
from moderation.models import Flag, ModerationAction
from posts import services as post_services
from posts.models import Comment
from records import holds
from tests.factories import CommunityFactory, UserFactory, add_member

from .conftest import attach, make_post, make_wiki

pytestmark = pytest.mark.django_db

NOTICE = "This item is under a records hold."


@pytest.fixture
def moderator(community):
    user = UserFactory(username="moderator")
    with zeal_ignore():
        add_member(community, user, Role.MODERATOR)
    return user


def hold_post(officer, post):
    return holds.hold_place(actor=officer, target_type="post", target_id=post.pk, reason="Legal request")


def hold_community(officer, community):
    return holds.hold_place(actor=officer, target_type="community", target_id=community.slug, reason="Investigation")


# --- comments ---------------------------------------------------------------------------------


def test_no_new_comment_on_a_held_post(community, cast, officer):
    post = make_post(community, cast["author"], old=False)
    hold_post(officer, post)
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.comment_create(actor=cast["plain"], post=post, body="A comment")
    assert not Comment.objects.exists()


def test_no_new_comment_on_any_post_of_a_held_community(community, cast, officer):
    post = make_post(community, cast["author"], old=False)
    hold_community(officer, community)
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.comment_create(actor=cast["plain"], post=post, body="A comment")
    assert not Comment.objects.exists()


def test_no_new_comment_through_the_api_nor_the_page(community, cast, officer, api, client):
    post = make_post(community, cast["author"], old=False)
    hold_post(officer, post)
    response = api(cast["plain"]).post(f"/api/v1/posts/{post.pk}/comments/", {"body": "x"}, format="json")
    assert response.status_code == 403
    assert "records hold" in response.json()["detail"]
    client.force_login(cast["plain"])
    page = client.post(f"/posts/{post.pk}/comments/", {"body": "x"}, follow=True)
    assert "records hold" in page.content.decode()
    assert not Comment.objects.exists()


# --- a community hold covers what is created while it lasts -----------------------------------


def test_a_new_post_in_a_held_community_is_allowed_but_held_from_birth(community, cast, officer, private_media):
    hold_community(officer, community)
    post = make_post(community, cast["author"], old=False, title="Written during the hold",
                     attachment=SimpleUploadedFile("minutes.txt", b"minutes"))  # with the file it is written with
    assert post.attachments.count() == 1
    assert holds.is_held(post)
    with pytest.raises(PermissionDenied, match="records hold"):
        attach(post, cast["author"])
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.post_update(actor=cast["author"], post=post, title="Changed")
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.post_withdraw(actor=cast["author"], post=post)
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.comment_create(actor=cast["plain"], post=post, body="A comment")


def test_a_new_wiki_page_in_a_held_community_is_held_and_cannot_be_reverted(community, cast, officer):
    page = make_wiki(community, cast["author"], old=False)
    with zeal_ignore():
        post_services.wiki_update(actor=cast["author"], page=page, body="Second text")
    first = page.history.order_by("history_id").first()
    hold_community(officer, community)
    born_held = make_wiki(community, cast["author"], old=False, title="During the hold")
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.wiki_update(actor=cast["plain"], page=born_held, body="Changed")
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.wiki_revert(actor=cast["author"], page=page, version=first.history_id)
    page.refresh_from_db()
    assert "Second text" in page.body


# --- moderation -------------------------------------------------------------------------------


def test_moderation_cannot_hide_or_reclassify_a_held_post(community, cast, officer, moderator):
    post = make_post(community, cast["author"], old=False)
    hold_post(officer, post)
    with pytest.raises(PermissionDenied, match="records hold"):
        moderation.item_hide(actor=moderator, item=post, reason="Off topic")
    with pytest.raises(PermissionDenied, match="records hold"):
        moderation.item_moderation_reclassify(
            actor=cast["owner"], item=post, classification="strictly_confidential", reason="Too sensitive"
        )
    post.refresh_from_db()
    assert (post.status, post.classification) == ("published", "confidential")
    assert not ModerationAction.objects.exists()


def test_moderation_cannot_hide_a_comment_of_a_held_post(community, cast, officer, moderator):
    post = make_post(community, cast["author"], old=False)
    comment, _w = post_services.comment_create(actor=cast["plain"], post=post, body="A comment")
    hold_post(officer, post)
    with pytest.raises(PermissionDenied, match="records hold"):
        moderation.item_hide(actor=moderator, item=comment, reason="Rude")
    comment.refresh_from_db()
    assert comment.status == "published"


def test_the_moderation_api_answers_403_for_a_held_post(community, cast, officer, moderator, api):
    post = make_post(community, cast["author"], old=False)
    hold_post(officer, post)
    response = api(moderator).post(f"/api/v1/moderation/post/{post.pk}/", {"action": "hide", "reason": "x"},
                                   format="json")
    assert response.status_code == 403
    assert "records hold" in response.json()["detail"]
    post.refresh_from_db()
    assert post.status == "published"


def test_a_pending_held_post_cannot_be_rejected_but_may_be_approved(community, cast, officer, moderator):
    community.premoderation = True
    community.save(update_fields=["premoderation"])
    hold_community(officer, community)
    first = make_post(community, cast["plain"], old=False, title="First")
    second = make_post(community, cast["plain"], old=False, title="Second")
    assert first.status == second.status == "pending"
    with pytest.raises(PermissionDenied, match="records hold"):
        moderation.item_reject(actor=moderator, item=first, reason="No")
    # Approving publishes it as written: nothing of the record changes (moderation/services.py).
    with zeal_ignore():
        moderation.item_approve(actor=moderator, item=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("pending", "published")


def test_a_report_on_a_held_post_is_filed_but_hides_nothing(community, cast, officer, moderator):
    community.auto_hide_threshold = 1
    community.save(update_fields=["auto_hide_threshold"])
    post = make_post(community, cast["author"], old=False)
    other = make_post(community, cast["author"], old=False, title="Other")
    hold_post(officer, post)
    moderation.flag_create(actor=cast["plain"], item=post, reason="spam")
    moderation.flag_create(actor=moderator, item=post, reason="confidentiality")
    post.refresh_from_db()
    assert post.status == "published"
    assert Flag.objects.filter(target_id=post.pk, state=Flag.State.OPEN).count() == 2  # in the queue
    moderation.flag_create(actor=cast["plain"], item=other, reason="spam")  # not held: hidden as before
    other.refresh_from_db()
    assert other.status == "hidden"


# --- the page says so, before they type -------------------------------------------------------


def test_the_author_sees_the_notice_and_no_edit_or_delete_controls(community, cast, officer, client):
    post = make_post(community, cast["author"], old=False)
    hold = hold_post(officer, post)
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert NOTICE in html
    assert hold.reason not in html  # no reason, no details
    assert f"/posts/{post.pk}/edit/" not in html and f"/posts/{post.pk}/delete/" not in html
    assert "Add a comment" not in html


def test_the_edit_form_shows_the_notice_instead_of_a_form(community, cast, officer, client):
    post = make_post(community, cast["author"], old=False)
    hold_post(officer, post)
    client.force_login(cast["author"])
    response = client.get(f"/posts/{post.pk}/edit/")
    html = response.content.decode()
    assert response.status_code == 200
    assert NOTICE in html
    assert 'name="title"' not in html and "Save changes" not in html
    assert "Delete the post" not in client.get(f"/posts/{post.pk}/delete/").content.decode()


def test_the_wiki_page_and_its_edit_form_say_so(community, cast, officer, client):
    page = make_wiki(community, cast["author"], old=False)
    hold_community(officer, community)
    client.force_login(cast["plain"])  # any member may edit a wiki page
    html = client.get(page.get_absolute_url()).content.decode()
    assert NOTICE in html
    assert "/edit/" not in html
    edit = client.get(f"{page.get_absolute_url()}edit/").content.decode()
    assert NOTICE in edit and 'name="body"' not in edit
    assert "Revert to this" not in client.get(f"{page.get_absolute_url()}history/").content.decode()


def test_the_new_post_form_of_a_held_community_warns_before_they_type(community, cast, officer, client):
    hold_community(officer, community)
    client.force_login(cast["plain"])
    html = client.get(f"/posts/new/?community={community.slug}").content.decode()
    assert "This community is under a records hold." in html
    assert 'name="title"' in html  # still allowed


def test_a_reader_who_could_not_change_it_learns_nothing_of_the_hold(cast, officer, client):
    with zeal_ignore():
        open_room = CommunityFactory(visibility="open", slug="open-room", name="Open room", ceiling="unclassified")
        add_member(open_room, cast["author"], Role.MEMBER)
    post = make_post(open_room, cast["author"], old=False, level="unclassified")
    hold_post(officer, post)
    client.force_login(cast["outsider"])  # reads an open community's post, is not a member
    response = client.get(f"/posts/{post.pk}/")
    assert response.status_code == 200
    assert "records hold" not in response.content.decode()
