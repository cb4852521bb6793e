"""SPEC §2.2, row by row, on the queryset filter and the per-object check together."""
from datetime import timedelta

import pytest
from django.utils import timezone

from communities.access import can_view, role_in
from communities.models import Community, Role
from posts.models import Post
from tests.factories import grant_reader

pytestmark = pytest.mark.django_db


def sees(user, post) -> bool:
    in_list = Post.objects.visible_to(user).filter(pk=post.pk).exists()
    assert in_list == can_view(user, post) == user.has_perm("posts.view_post", post)
    return in_list


@pytest.fixture
def world(make_user, make_community, member):
    owner, moderator, plain, outsider, author = (make_user() for _ in range(5))
    communities = {
        "open": make_community(owner=owner, visibility="open"),
        "moderated": make_community(owner=owner, visibility="moderated"),
        "restricted": make_community(owner=owner, visibility="restricted"),
    }
    for c in communities.values():
        member(c, moderator, Role.MODERATOR)
        member(c, plain, Role.MEMBER)
        member(c, author, Role.MEMBER)
    return dict(owner=owner, moderator=moderator, plain=plain, outsider=outsider, author=author, **communities)


def test_unclassified_post_in_open_community_is_visible_to_every_authorized_user(world, make_post):
    post = make_post(community=world["open"], author=world["author"])
    assert all(sees(world[who], post) for who in ("owner", "moderator", "plain", "outsider"))


@pytest.mark.parametrize("visibility", ["moderated", "restricted"])
def test_unclassified_post_in_non_open_community_is_for_members_only(world, make_post, visibility):
    post = make_post(community=world[visibility], author=world["author"])
    assert sees(world["plain"], post) and sees(world["moderator"], post)
    assert not sees(world["outsider"], post)


def test_confidential_post_is_visible_to_members_of_any_role_only(world, make_post):
    post = make_post(community=world["moderated"], author=world["author"], classification="confidential")
    assert sees(world["plain"], post) and sees(world["moderator"], post) and sees(world["owner"], post)
    assert not sees(world["outsider"], post)


def test_strictly_confidential_post_is_for_author_granted_readers_and_owners(world, make_post, make_user):
    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    assert sees(world["author"], post)
    assert sees(world["owner"], post)
    assert not sees(world["moderator"], post)
    assert not sees(world["plain"], post)
    grant_reader(post, world["plain"])
    assert sees(world["plain"], post)


def test_moderator_cannot_see_strictly_confidential_post(world, make_post):
    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    assert not sees(world["moderator"], post)


def test_reader_grant_counts_only_while_the_reader_is_a_member(world, make_post, make_user):
    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    grant_reader(post, world["outsider"])
    assert not sees(world["outsider"], post)


@pytest.mark.parametrize("status", ["pending", "hidden"])
def test_pending_and_hidden_items_are_for_author_and_owners_or_moderators(world, make_post, status):
    post = make_post(community=world["moderated"], author=world["author"], status=status)
    assert sees(world["author"], post)
    assert sees(world["owner"], post) and sees(world["moderator"], post)
    assert not sees(world["plain"], post)
    assert not sees(world["outsider"], post)


def test_hidden_strictly_confidential_item_is_not_shown_to_moderators(world, make_post):
    post = make_post(
        community=world["restricted"], author=world["author"], classification="strictly_confidential", status="hidden"
    )
    assert sees(world["owner"], post) and sees(world["author"], post)
    assert not sees(world["moderator"], post)


def test_withdrawn_items_are_visible_to_nobody_not_even_their_author(world, make_post):
    post = make_post(community=world["open"], author=world["author"], status="withdrawn")
    assert not any(sees(world[w], post) for w in ("author", "owner", "moderator", "plain", "outsider"))
    assert Post.objects.filter(pk=post.pk).exists()  # kept for records management


def test_superusers_are_not_exempt(world, make_post, make_user):
    boss = make_user(is_superuser=True, is_staff=True)
    post = make_post(community=world["moderated"], author=world["author"], classification="confidential")
    assert not sees(boss, post)
    assert not Community.objects.visible_to(boss).filter(pk=world["restricted"].pk).exists()


def test_anonymous_and_inactive_users_see_nothing(world, make_post, make_user):
    from django.contrib.auth.models import AnonymousUser

    post = make_post(community=world["open"], author=world["author"])
    assert not Post.objects.visible_to(AnonymousUser()).exists()
    gone = make_user(is_active=False)
    assert not sees(gone, post)


def test_expired_membership_ends_access_at_once_even_before_the_daily_job(world, make_post, make_user, member):
    temp = make_user()
    m = member(world["moderated"], temp, Role.MEMBER, expires_at=timezone.now() + timedelta(days=1))
    post = make_post(community=world["moderated"], author=world["author"], classification="confidential")
    assert sees(temp, post)
    m.expires_at = timezone.now() - timedelta(seconds=1)
    m.save()
    assert not sees(temp, post)
    assert role_in(temp, world["moderated"]) is None


def test_removal_and_role_change_end_access_at_once(world, make_post):
    from communities.models import Membership

    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    assert sees(world["owner"], post)
    extra_owner = world["plain"]
    Membership.objects.filter(user=extra_owner, content_object=world["restricted"]).update(role="owner")
    assert sees(extra_owner, post)
    Membership.objects.filter(user=extra_owner, content_object=world["restricted"]).update(role="moderator")
    assert not sees(extra_owner, post)
    Membership.objects.filter(user=world["plain"], content_object=world["restricted"]).delete()
    assert not sees(world["plain"], make_post(community=world["restricted"], author=world["author"]))


def test_restricted_community_does_not_exist_for_non_members(world):
    visible = Community.objects.visible_to(world["outsider"])
    assert set(visible.values_list("visibility", flat=True)) == {"open", "moderated"}
    assert Community.objects.visible_to(world["plain"]).filter(pk=world["restricted"].pk).exists()
    assert not world["outsider"].has_perm("communities.view_community", world["restricted"])
    assert world["plain"].has_perm("communities.view_community", world["restricted"])


def test_role_permissions_on_a_community_follow_the_guardian_grant(world):
    c = world["restricted"]
    assert world["owner"].has_perm("communities.own_community", c)
    assert world["owner"].has_perm("communities.moderate_community", c)
    assert world["moderator"].has_perm("communities.moderate_community", c)
    assert not world["moderator"].has_perm("communities.own_community", c)
    assert world["plain"].has_perm("communities.member_of_community", c)
    assert not world["outsider"].has_perm("communities.member_of_community", c)


def test_object_check_is_a_single_query(world, make_post, django_assert_num_queries):
    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    with django_assert_num_queries(1):
        world["plain"].has_perm("posts.view_post", post)


def _leave(user, community):
    from communities.models import Membership

    Membership.objects.filter(user=user, content_object=community).delete()


def test_an_author_removed_from_the_community_no_longer_sees_their_strictly_confidential_post(world, make_post):
    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    assert sees(world["author"], post)
    _leave(world["author"], world["restricted"])
    assert not sees(world["author"], post)
    assert not Community.objects.visible_to(world["author"]).filter(pk=world["restricted"].pk).exists()


def test_an_author_whose_membership_ended_no_longer_sees_their_confidential_post(world, make_post):
    from communities.models import Membership

    post = make_post(community=world["moderated"], author=world["author"], classification="confidential")
    Membership.objects.filter(user=world["author"], content_object=world["moderated"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert not sees(world["author"], post)


@pytest.mark.parametrize("status", ["pending", "hidden"])
@pytest.mark.parametrize("visibility", ["open", "moderated", "restricted"])
def test_an_author_who_left_sees_none_of_their_pending_or_hidden_items(world, make_post, status, visibility):
    # The open row shows published items only: a held item needs the author's membership, in an open C too.
    post = make_post(community=world[visibility], author=world["author"], status=status)
    assert sees(world["author"], post)
    _leave(world["author"], world[visibility])
    assert not sees(world["author"], post)


def test_an_author_who_left_an_open_community_still_sees_its_published_unclassified_posts(world, make_post):
    post = make_post(community=world["open"], author=world["author"])
    _leave(world["author"], world["open"])
    assert sees(world["author"], post)


def test_an_author_who_left_does_not_see_comments_written_after_on_their_post(world, make_post, make_user):
    from posts.models import Comment

    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    _leave(world["author"], world["restricted"])
    later = Comment.objects.create(post=post, author=world["owner"], body="<p>after you left</p>")
    assert not Comment.objects.visible_to(world["author"]).filter(pk=later.pk).exists()
    assert not can_view(world["author"], later)


def test_an_author_who_left_is_not_in_their_items_audience(world, make_post):
    from communities.access import item_audience

    post = make_post(community=world["restricted"], author=world["author"], classification="strictly_confidential")
    assert item_audience(post).filter(pk=world["author"].pk).exists()
    _leave(world["author"], world["restricted"])
    assert not item_audience(post).filter(pk=world["author"].pk).exists()
