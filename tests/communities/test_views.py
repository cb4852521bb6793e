"""Community pages (SPEC §2.1, §6): directory, create, detail, members, join/leave."""

import datetime

import pytest
from django.utils import timezone

from communities.models import Community, JoinRequest, Membership, Role
from unisocial.classification import Level, Visibility


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- access ---------------------------------------------------------------------------


def test_anonymous_is_redirected_to_login_from_the_directory(client, db):
    response = client.get("/communities/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/communities/"


def test_directory_hides_restricted_communities_from_non_members(
    login, user, make_community, member
):
    make_community(name="Open garden")
    make_community(name="Moderated hall", visibility=Visibility.MODERATED)
    make_community(name="Secret room", visibility=Visibility.RESTRICTED)
    page = login(user).get("/communities/").content.decode()
    assert "Open garden" in page
    assert "Moderated hall" in page
    assert "Secret room" not in page
    assert "2 communities" in page


def test_directory_shows_restricted_communities_to_members_with_role(
    login, user, make_community, member
):
    secret = make_community(name="Secret room", visibility=Visibility.RESTRICTED)
    member(secret, user, Role.MODERATOR)
    page = login(user).get("/communities/").content.decode()
    assert "Secret room" in page
    assert "Strictly Confidential" in page
    assert "My role: Moderator" in page


def test_directory_filters_by_visibility(login, user, make_community):
    make_community(name="Open garden")
    make_community(name="Moderated hall", visibility=Visibility.MODERATED)
    page = login(user).get("/communities/?visibility=moderated").content.decode()
    assert "Moderated hall" in page
    assert "Open garden" not in page


def test_directory_is_paginated(login, user, make_community):
    for _ in range(25):
        make_community()
    client = login(user)
    first = client.get("/communities/")
    assert len(first.context["page_obj"]) == 20
    assert 'aria-label="Community pages"' in first.content.decode()
    assert len(client.get("/communities/?page=2").context["page_obj"]) == 5


@pytest.mark.parametrize("suffix", ["", "members/"])
def test_restricted_community_pages_are_404_for_outsiders(login, user, make_community, suffix):
    secret = make_community(visibility=Visibility.RESTRICTED)
    assert login(user).get(f"/communities/{secret.slug}/{suffix}").status_code == 404


def test_unknown_community_is_404(login, user):
    assert login(user).get("/communities/nope/").status_code == 404


# --- create and edit -------------------------------------------------------------------


def community_data(**overrides):
    data = {
        "name": "Data stewards",
        "slug": "data-stewards",
        "description": "People who look after data",
        "purpose": "Share practice",
        "objectives": "Better data",
        "intended_audience": "Data staff",
        "risk_assessment": "Low",
        "visibility": Visibility.OPEN,
        "ceiling": Level.UNCLASSIFIED,
        "guidelines": "Be kind",
        "auto_hide_threshold": 3,
    }
    data.update(overrides)
    return data


def test_create_community_makes_the_creator_owner(login, user):
    response = login(user).post("/communities/new/", community_data())
    community = Community.objects.get(slug="data-stewards")
    assert response["Location"] == "/communities/data-stewards/"
    assert Membership.objects.get(content_object=community, user=user).role == Role.OWNER


def test_create_form_explains_the_ceiling_rules(login, user):
    page = login(user).get("/communities/new/").content.decode()
    assert "An open community may hold unclassified information only" in page
    assert '<label for="id_ceiling"' in page


def test_create_open_confidential_shows_the_ceiling_error_and_creates_nothing(login, user):
    response = login(user).post("/communities/new/", community_data(ceiling=Level.CONFIDENTIAL))
    assert response.status_code == 200
    form = response.context["form"]
    assert any("at most Unclassified" in e for e in form.errors["ceiling"])
    assert not Community.objects.exists()
    assert "Please correct the errors below." in response.content.decode()


def test_create_with_a_taken_slug_shows_an_error(login, user, make_community):
    make_community(slug="data-stewards")
    response = login(user).post("/communities/new/", community_data())
    assert response.status_code == 200
    assert response.context["form"].errors["slug"]


def test_owner_edits_community_and_sees_service_errors(login, user, make_community):
    community = make_community(owner=user)
    client = login(user)
    assert client.get(f"/communities/{community.slug}/edit/").status_code == 200
    data = community_data(name="Renamed", visibility=Visibility.OPEN, ceiling=Level.UNCLASSIFIED)
    data.pop("slug")
    response = client.post(f"/communities/{community.slug}/edit/", data)
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.name == "Renamed"
    data["ceiling"] = Level.STRICTLY_CONFIDENTIAL
    response = client.post(f"/communities/{community.slug}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["ceiling"]


def test_non_owner_cannot_edit(login, user, make_community, member):
    community = make_community()
    member(community, user, Role.MODERATOR)
    assert login(user).get(f"/communities/{community.slug}/edit/").status_code == 403


# --- detail ----------------------------------------------------------------------------


def test_detail_shows_disclaimer_guidelines_owners_and_posts(
    login, user, make_user, make_community, make_post, member
):
    owner = make_user(email="owner@example.org")
    community = make_community(
        owner=owner, visibility=Visibility.MODERATED, guidelines="No gossip", purpose="Coordinate"
    )
    member(community, user)
    make_post(community=community, title="Quarterly plan", classification=Level.CONFIDENTIAL)
    page = login(user).get(f"/communities/{community.slug}/").content.decode()
    assert "This community is designed for information up to <strong>Confidential</strong>." in page
    assert "Do not post anything classified higher." in page
    assert "No gossip" in page
    assert "Coordinate" in page
    assert "mailto:owner@example.org" in page
    assert "Quarterly plan" in page
    assert "badge--confidential" in page
    assert "2 members" in page
    assert "My role: Member" in page
    assert "Leave this community" in page


def test_detail_hides_posts_the_user_may_not_see(login, user, make_community, make_post):
    community = make_community(visibility=Visibility.MODERATED)
    make_post(community=community, title="Members only", classification=Level.UNCLASSIFIED)
    page = login(user).get(f"/communities/{community.slug}/").content.decode()
    assert "Members only" not in page
    assert "Request to join" in page


# --- joining and leaving ---------------------------------------------------------------


def test_join_open_community_makes_a_member_at_once(login, user, make_community):
    community = make_community()
    response = login(user).post(f"/communities/{community.slug}/join/", follow=True)
    assert Membership.objects.get(content_object=community, user=user).role == Role.MEMBER
    assert "You are now a member" in " ".join(messages_of(response))


def test_join_is_post_only(login, user, make_community):
    community = make_community()
    assert login(user).get(f"/communities/{community.slug}/join/").status_code == 405


def test_join_moderated_is_a_request_that_an_owner_approves(login, user, make_user, make_community):
    owner = make_user()
    community = make_community(owner=owner, visibility=Visibility.MODERATED)
    client = login(user)
    client.post(f"/communities/{community.slug}/join/")
    assert not Membership.objects.filter(content_object=community, user=user).exists()
    assert JoinRequest.objects.filter(community=community, user=user, state="pending").exists()
    assert "waiting for an owner" in client.get(f"/communities/{community.slug}/").content.decode()

    owner_client = login(owner)
    members_page = owner_client.get(f"/communities/{community.slug}/members/").content.decode()
    assert f"Approve {user.username}" in members_page
    owner_client.post(f"/communities/{community.slug}/requests/{user.username}/approve/")
    assert Membership.objects.get(content_object=community, user=user).role == Role.MEMBER


def test_owner_declines_a_join_request(login, user, make_user, make_community):
    owner = make_user()
    community = make_community(owner=owner, visibility=Visibility.MODERATED)
    login(user).post(f"/communities/{community.slug}/join/")
    login(owner).post(f"/communities/{community.slug}/requests/{user.username}/decline/")
    assert JoinRequest.objects.get(community=community, user=user).state == "declined"
    assert not Membership.objects.filter(content_object=community, user=user).exists()


def test_non_owner_cannot_approve_requests(login, user, make_user, make_community, member):
    community = make_community(owner=make_user(), visibility=Visibility.MODERATED)
    applicant = make_user()
    login(applicant).post(f"/communities/{community.slug}/join/")
    member(community, user)
    response = login(user).post(
        f"/communities/{community.slug}/requests/{applicant.username}/approve/", follow=True
    )
    assert not Membership.objects.filter(content_object=community, user=applicant).exists()
    assert "Only the community's owners may do this." in messages_of(response)


def test_restricted_join_is_refused(login, user, make_community):
    community = make_community(visibility=Visibility.RESTRICTED)
    assert login(user).post(f"/communities/{community.slug}/join/").status_code == 404
    assert not Membership.objects.filter(content_object=community, user=user).exists()


def test_last_owner_cannot_leave(login, user, make_community):
    community = make_community(owner=user)
    response = login(user).post(f"/communities/{community.slug}/leave/", follow=True)
    assert Membership.objects.get(content_object=community, user=user).role == Role.OWNER
    assert any("at least one owner" in m for m in messages_of(response))


def test_last_owner_cannot_be_demoted(login, user, make_community):
    community = make_community(owner=user)
    membership = Membership.objects.get(content_object=community, user=user)
    response = login(user).post(
        f"/communities/{community.slug}/members/{user.username}/role/",
        {f"m{membership.pk}-role": Role.MEMBER},
        follow=True,
    )
    assert Membership.objects.get(content_object=community, user=user).role == Role.OWNER
    assert any("at least one owner" in m for m in messages_of(response))


def test_member_leaves(login, user, make_community, member):
    community = make_community()
    member(community, user)
    login(user).post(f"/communities/{community.slug}/leave/")
    assert not Membership.objects.filter(content_object=community, user=user).exists()


def test_archived_community_refuses_joins_and_shows_read_only(login, user, make_community):
    community = make_community(is_archived=True)
    client = login(user)
    page = client.get(f"/communities/{community.slug}/").content.decode()
    assert "Archived — read-only." in page
    assert "Join this community" not in page
    response = client.post(f"/communities/{community.slug}/join/", follow=True)
    assert not Membership.objects.filter(content_object=community, user=user).exists()
    assert "This community is archived and read-only." in messages_of(response)


# --- member management -----------------------------------------------------------------


def test_owner_adds_member_to_restricted_community_with_end_date(
    login, user, make_user, make_community
):
    community = make_community(owner=user, visibility=Visibility.RESTRICTED)
    consultant = make_user()
    end = timezone.localdate() + datetime.timedelta(days=30)
    login(user).post(
        f"/communities/{community.slug}/members/add/",
        {
            "add-username": consultant.username,
            "add-role": Role.MEMBER,
            "add-end_date": end.isoformat(),
        },
    )
    membership = Membership.objects.get(content_object=community, user=consultant)
    assert timezone.localdate(membership.expires_at) == end
    page = login(consultant).get(f"/communities/{community.slug}/members/").content.decode()
    assert consultant.username in page


def test_adding_an_unknown_username_gives_a_clear_error(login, user, make_community):
    community = make_community(owner=user)
    response = login(user).post(
        f"/communities/{community.slug}/members/add/",
        {"add-username": "ghost", "add-role": Role.MEMBER},
        follow=True,
    )
    assert response.status_code == 200
    assert any("ghost" in m for m in messages_of(response))


def test_unknown_username_in_url_gives_a_message_not_a_500(login, user, make_community):
    community = make_community(owner=user)
    client = login(user)
    for url in [
        "members/ghost/role/",
        "members/ghost/remove/",
        "requests/ghost/decline/",
        "requests/ghost/approve/",
    ]:
        response = client.post(f"/communities/{community.slug}/{url}", follow=True)
        assert response.status_code == 200


def test_bad_role_value_gives_a_message(login, user, make_user, make_community, member):
    community = make_community(owner=user)
    other = make_user()
    m = member(community, other)
    response = login(user).post(
        f"/communities/{community.slug}/members/{other.username}/role/",
        {f"m{m.pk}-role": "emperor"},
        follow=True,
    )
    assert response.status_code == 200
    assert Membership.objects.get(pk=m.pk).role == Role.MEMBER


def test_owner_changes_role_and_removes_member(login, user, make_user, make_community, member):
    community = make_community(owner=user)
    other = make_user()
    m = member(community, other)
    client = login(user)
    client.post(
        f"/communities/{community.slug}/members/{other.username}/role/", {f"m{m.pk}-role": "owner"}
    )
    assert Membership.objects.get(pk=m.pk).role == Role.OWNER
    client.post(f"/communities/{community.slug}/members/{other.username}/remove/")
    assert not Membership.objects.filter(content_object=community, user=other).exists()


def test_plain_member_cannot_manage_members(login, user, make_user, make_community, member):
    community = make_community(owner=make_user())
    member(community, user)
    other = make_user()
    member(community, other)
    client = login(user)
    page = client.get(f"/communities/{community.slug}/members/").content.decode()
    assert "Add a member" not in page
    response = client.post(
        f"/communities/{community.slug}/members/{other.username}/remove/", follow=True
    )
    assert Membership.objects.filter(content_object=community, user=other).exists()
    assert "Only the community's owners may do this." in messages_of(response)


# --- speed -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_directory_query_count_is_constant(
    login, user, make_community, member, n, django_assert_max_num_queries
):
    for i in range(n):
        c = make_community(
            visibility=[Visibility.OPEN, Visibility.MODERATED, Visibility.RESTRICTED][i % 3]
        )
        member(c, user)
    client = login(user)
    with django_assert_max_num_queries(12):
        assert client.get("/communities/").status_code == 200


@pytest.mark.parametrize("n", [5, 50])
def test_community_page_query_count_is_constant(
    login, user, make_user, make_community, make_post, member, n, django_assert_max_num_queries
):
    community = make_community(owner=user, visibility=Visibility.RESTRICTED)
    for _ in range(3):
        member(community, make_user(), Role.OWNER)
    for i in range(n):
        make_post(community=community, classification=list(Level)[i % 3])
    client = login(user)
    # 15 = 14 + the owners' staleness question (records): the same at 5 and 50 posts.
    with django_assert_max_num_queries(15):
        assert client.get(f"/communities/{community.slug}/").status_code == 200


@pytest.mark.parametrize("n", [5, 50])
def test_members_page_query_count_is_constant(
    login, user, make_user, make_community, member, n, django_assert_max_num_queries
):
    community = make_community(owner=user, visibility=Visibility.MODERATED)
    for _ in range(n):
        member(community, make_user())
    client = login(user)
    with django_assert_max_num_queries(14):
        assert client.get(f"/communities/{community.slug}/members/").status_code == 200
