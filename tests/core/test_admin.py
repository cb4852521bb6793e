"""The admin goes through the access rule too (SPEC §2.2): superusers are not exempt."""

import pytest
from django.urls import reverse

from communities.models import Membership, Role
from unisocial.classification import Level, Visibility


@pytest.fixture
def manager(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def world(make_community, make_post, make_user):
    owner = make_user()
    open_c = make_community(owner=owner, name="Open Practice", visibility=Visibility.OPEN)
    secret_c = make_community(
        owner=owner, name="Secret Taskforce", visibility=Visibility.RESTRICTED
    )
    return {
        "owner": owner,
        "open": open_c,
        "secret": secret_c,
        "public_post": make_post(community=open_c, author=owner, title="Public note"),
        "secret_post": make_post(
            community=secret_c,
            author=owner,
            title="Sealed findings",
            classification=Level.STRICTLY_CONFIDENTIAL,
        ),
    }


def test_post_admin_lists_only_posts_the_superuser_may_see(login, manager, world):
    response = login(manager).get(reverse("admin:posts_post_changelist"))
    assert response.status_code == 200
    assert b"Public note" in response.content
    assert b"Sealed findings" not in response.content
    # Nor the restricted community's name, e.g. in the filter sidebar.
    assert b"Secret Taskforce" not in response.content


def test_post_admin_change_page_of_an_invisible_post_does_not_open(login, manager, world):
    client = login(manager)
    url = reverse("admin:posts_post_change", args=[world["secret_post"].pk])
    response = client.get(url, follow=True)
    assert b"Sealed findings" not in response.content
    visible = client.get(reverse("admin:posts_post_change", args=[world["public_post"].pk]))
    assert visible.status_code == 200 and b"Public note" in visible.content


def test_post_admin_shows_posts_to_an_owner_superuser(login, manager, world, member):
    member(world["secret"], manager, Role.OWNER)
    response = login(manager).get(reverse("admin:posts_post_changelist"))
    assert b"Sealed findings" in response.content


def test_post_admin_cannot_add_or_delete(login, manager, world):
    client = login(manager)
    assert client.get(reverse("admin:posts_post_add")).status_code == 403
    url = reverse("admin:posts_post_delete", args=[world["public_post"].pk])
    assert client.get(url).status_code == 403


def test_guardian_object_permissions_page_respects_the_rule(login, manager, world):
    client = login(manager)
    hidden = client.get(reverse("admin:posts_post_permissions", args=[world["secret_post"].pk]))
    assert hidden.status_code == 404
    shown = client.get(reverse("admin:posts_post_permissions", args=[world["public_post"].pk]))
    assert shown.status_code == 200


def test_community_admin_hides_restricted_communities_from_non_members(login, manager, world):
    client = login(manager)
    response = client.get(reverse("admin:communities_community_changelist"))
    assert b"Open Practice" in response.content
    assert b"Secret Taskforce" not in response.content
    memberships = client.get(reverse("admin:communities_membership_changelist"))
    assert b"Secret Taskforce" not in memberships.content


def test_membership_inline_sets_the_guardian_permission_and_keeps_an_owner(
    login, manager, world, make_user
):
    client = login(manager)
    community = world["open"]
    newcomer = make_user()
    ownership = Membership.objects.get(content_object=community, user=world["owner"])
    url = reverse("admin:communities_community_change", args=[community.pk])
    form = {
        "name": community.name,
        "slug": community.slug,
        "purpose": community.purpose,
        "visibility": community.visibility,
        "ceiling": community.ceiling,
        "auto_hide_threshold": 3,
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": ownership.pk,
        "memberships-0-content_object": community.pk,
        "memberships-0-user": world["owner"].pk,
        "memberships-0-role": Role.OWNER,
        "memberships-1-content_object": community.pk,
        "memberships-1-user": newcomer.pk,
        "memberships-1-role": Role.MODERATOR,
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Membership.objects.get(content_object=community, user=newcomer)
    assert added.permission.codename == "moderate_community"

    # Demoting the last owner is refused.
    form.update({"memberships-TOTAL_FORMS": "2", "memberships-INITIAL_FORMS": "2"})
    form.update({"memberships-0-role": Role.MEMBER, "memberships-1-id": added.pk})
    response = client.post(url, form)
    assert response.status_code == 200
    assert b"at least one owner" in response.content
    assert Membership.objects.get(pk=ownership.pk).role == Role.OWNER


def test_terms_acceptances_are_read_only(login, manager):
    client = login(manager)
    assert client.get(reverse("admin:unisocial_termsacceptance_changelist")).status_code == 200
    assert client.get(reverse("admin:unisocial_termsacceptance_add")).status_code == 403
