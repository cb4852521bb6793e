"""Joining and membership routes (SPEC §2.1, §6)."""
from django.utils import timezone

from communities.models import JoinRequest, Membership, Role
from tests.factories import CommunityFactory, add_member
from unisocial.classification import Visibility


def _members(client, community):
    response = client.get(f"/api/v1/communities/{community.slug}/members/")
    assert response.status_code == 200
    return {m["username"]: m for m in response.json()["results"]}


def test_join_open_community_makes_a_member_at_once(api, make_user):
    owner, joiner = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    response = api(joiner).post(f"/api/v1/communities/{community.slug}/join/")
    assert response.status_code == 200
    assert response.json() == {"status": "member"}
    assert _members(api(joiner), community)[joiner.username]["role"] == "member"


def test_join_moderated_is_a_request_that_an_owner_approves_by_put(api, make_user):
    owner, joiner = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.MODERATED)
    add_member(community, owner, Role.OWNER)
    base = f"/api/v1/communities/{community.slug}"

    assert api(joiner).post(f"{base}/join/").json() == {"status": "requested"}
    assert api(joiner).post(f"{base}/join/").json() == {"status": "requested"}  # idempotent
    assert joiner.username not in _members(api(owner), community)

    requests = api(owner).get(f"{base}/requests/")
    assert requests.status_code == 200
    assert [r["username"] for r in requests.json()["results"]] == [joiner.username]
    assert api(joiner).get(f"{base}/requests/").status_code == 403

    response = api(owner).put(
        f"{base}/members/{joiner.username}/", {"role": "member"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "member"
    assert JoinRequest.objects.get(user=joiner).state == JoinRequest.State.APPROVED
    assert _members(api(owner), community)[joiner.username]["role"] == "member"
    assert api(owner).get(f"{base}/requests/").json()["results"] == []


def test_owner_declines_a_request_by_delete(api, make_user):
    owner, joiner = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.MODERATED)
    add_member(community, owner, Role.OWNER)
    base = f"/api/v1/communities/{community.slug}"
    api(joiner).post(f"{base}/join/")
    assert api(owner).delete(f"{base}/members/{joiner.username}/").status_code == 204
    assert JoinRequest.objects.get(user=joiner).state == JoinRequest.State.DECLINED
    assert not Membership.objects.filter(user=joiner).exists()


def test_owner_adds_to_a_restricted_community_with_an_end_date(api, make_user):
    owner, consultant = make_user(), make_user(display_name="Con Sultant")
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, owner, Role.OWNER)
    ends = (timezone.now() + timezone.timedelta(days=30)).replace(microsecond=0)
    response = api(owner).put(
        f"/api/v1/communities/{community.slug}/members/{consultant.username}/",
        {"role": "member", "expires_at": ends.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    row = _members(api(consultant), community)[consultant.username]
    assert row == {
        "username": consultant.username,
        "display_name": "Con Sultant",
        "role": "member",
        "expires_at": row["expires_at"],
    }
    assert Membership.objects.get(user=consultant).expires_at == ends


def test_owner_changes_a_role(api, make_user):
    owner, member = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    add_member(community, member)
    response = api(owner).put(
        f"/api/v1/communities/{community.slug}/members/{member.username}/",
        {"role": "moderator"},
        format="json",
    )
    assert response.status_code == 200
    assert Membership.objects.get(user=member).role == Role.MODERATOR


def test_member_put_is_400_on_bad_input_and_changes_nothing(api, make_user):
    owner, member = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    add_member(community, member)
    url = f"/api/v1/communities/{community.slug}/members/{member.username}/"
    for payload in (
        {"role": "emperor"},
        {},
        {"role": "member", "expires_at": "yesterday"},
        {"role": "member", "expires_at": "2001-01-01T00:00:00Z"},
        {"role": "member", "colour": "blue"},
    ):
        response = api(owner).put(url, payload, format="json")
        assert response.status_code == 400, payload
    assert api(owner).put(url, data="{", content_type="application/json").status_code == 400
    m = Membership.objects.get(user=member)
    assert (m.role, m.expires_at) == (Role.MEMBER, None)


def test_member_put_by_non_owner_is_403_and_unknown_username_is_404(api, make_user):
    owner, member, moderator = make_user(), make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    add_member(community, member)
    add_member(community, moderator, Role.MODERATOR)
    base = f"/api/v1/communities/{community.slug}/members"
    for user in (member, moderator):
        response = api(user).put(f"{base}/{member.username}/", {"role": "owner"}, format="json")
        assert response.status_code == 403
    assert Membership.objects.get(user=member).role == Role.MEMBER
    assert api(owner).put(f"{base}/nobody/", {"role": "member"}, format="json").status_code == 404
    assert api(owner).delete(f"{base}/nobody/").status_code == 404


def test_last_owner_cannot_leave_or_step_down(api, make_user):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    url = f"/api/v1/communities/{community.slug}/members/{owner.username}/"
    assert api(owner).delete(url).status_code == 400
    assert api(owner).put(url, {"role": "member"}, format="json").status_code == 400
    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_member_leaves_and_the_restricted_community_is_404_at_once(api, make_user):
    owner, member = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, owner, Role.OWNER)
    add_member(community, member)
    client = api(member)
    base = f"/api/v1/communities/{community.slug}"
    assert client.get(f"{base}/").status_code == 200

    assert client.delete(f"{base}/members/{member.username}/").status_code == 204
    assert not Membership.objects.filter(user=member).exists()
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/members/").status_code == 404
    assert community.slug not in str(client.get("/api/v1/communities/").content)


def test_owner_removes_a_member_but_a_member_cannot_remove_another(api, make_user):
    owner, a, b = make_user(), make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    add_member(community, a)
    add_member(community, b)
    base = f"/api/v1/communities/{community.slug}/members"
    assert api(a).delete(f"{base}/{b.username}/").status_code == 403
    assert api(owner).delete(f"{base}/{b.username}/").status_code == 204
    assert set(_members(api(owner), community)) == {owner.username, a.username}


def test_expired_member_is_not_listed_and_loses_a_restricted_community(api, make_user):
    owner, former = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, owner, Role.OWNER)
    add_member(community, former, expires_at=timezone.now() - timezone.timedelta(minutes=1))
    assert set(_members(api(owner), community)) == {owner.username}
    assert api(former).get(f"/api/v1/communities/{community.slug}/").status_code == 404
