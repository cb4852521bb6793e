"""``communities/`` and ``communities/{slug}/`` (SPEC §2.1, §6)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Community, Membership, Role
from tests.factories import CommunityFactory, PostFactory, add_member
from unisocial.classification import Level, Visibility

NEW_COMMUNITY = {
    "name": "Evaluation practice",
    "slug": "evaluation",
    "description": "How we evaluate programmes",
    "purpose": "Share evaluation methods",
    "visibility": "moderated",
    "ceiling": "confidential",
    "premoderation": True,
    "guidelines": "Be kind.",
    "objectives": "Better evaluations",
    "intended_audience": "Evaluators",
    "risk_assessment": "Low",
}

DETAIL_FIELDS = {
    "slug", "name", "description", "purpose", "objectives", "intended_audience",
    "risk_assessment", "visibility", "ceiling", "guidelines", "premoderation",
    "auto_hide_threshold", "is_archived", "member_count", "my_role", "created_at",
}


def test_create_makes_the_creator_owner(api, user):
    response = api(user).post("/api/v1/communities/", NEW_COMMUNITY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert DETAIL_FIELDS <= set(body)
    assert body["slug"] == "evaluation"
    assert body["my_role"] == "owner"
    assert body["member_count"] == 1
    assert body["premoderation"] is True
    community = Community.objects.get(slug="evaluation")
    assert Membership.objects.get(content_object=community, user=user).role == Role.OWNER


def test_create_open_confidential_is_refused_and_creates_nothing(api, user):
    data = {**NEW_COMMUNITY, "visibility": "open", "ceiling": "confidential"}
    response = api(user).post("/api/v1/communities/", data, format="json")
    assert response.status_code == 400
    assert "ceiling" in response.json()
    assert not Community.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"visibility": "secret"},
        {"ceiling": "top_secret"},
        {"purpose": ""},
        {"auto_hide_threshold": 0},
        {"slug": "not a slug"},
        {"is_archived": True},
    ],
)
def test_create_with_invalid_fields_is_400_and_creates_nothing(api, user, change):
    response = api(user).post("/api/v1/communities/", {**NEW_COMMUNITY, **change}, format="json")
    assert response.status_code == 400
    assert set(change) <= set(response.json())
    assert not Community.objects.exists()


def test_create_with_a_taken_name_is_400(api, user):
    CommunityFactory(name=NEW_COMMUNITY["name"])
    response = api(user).post("/api/v1/communities/", NEW_COMMUNITY, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert Community.objects.count() == 1


def test_bad_json_is_400(api, user):
    response = api(user).post(
        "/api/v1/communities/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Community.objects.exists()


def test_list_shows_open_and_moderated_and_only_my_restricted(api, make_user):
    me, other = make_user(), make_user()
    open_c = CommunityFactory(visibility=Visibility.OPEN)
    moderated = CommunityFactory(visibility=Visibility.MODERATED)
    mine = CommunityFactory(visibility=Visibility.RESTRICTED)
    hidden = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(mine, me)
    add_member(hidden, other, Role.OWNER)

    response = api(me).get("/api/v1/communities/")
    assert response.status_code == 200
    slugs = {c["slug"] for c in response.json()["results"]}
    assert slugs == {open_c.slug, moderated.slug, mine.slug}
    assert response.json()["count"] == 3
    assert hidden.slug not in str(response.content)


def test_list_filters_by_visibility(api, user):
    CommunityFactory(visibility=Visibility.OPEN)
    moderated = CommunityFactory(visibility=Visibility.MODERATED)
    response = api(user).get("/api/v1/communities/?visibility=moderated")
    assert [c["slug"] for c in response.json()["results"]] == [moderated.slug]
    assert api(user).get("/api/v1/communities/?visibility=nope").status_code == 400


def test_list_member_count_ignores_expired_memberships(api, make_user):
    me = make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, make_user(), Role.OWNER)
    add_member(community, make_user())
    add_member(community, make_user(), expires_at=timezone.now() - timezone.timedelta(days=1))
    add_member(community, make_user(), expires_at=timezone.now() + timezone.timedelta(days=5))

    [row] = api(me).get("/api/v1/communities/").json()["results"]
    assert row["member_count"] == 3
    assert row["my_role"] is None
    detail = api(me).get(f"/api/v1/communities/{community.slug}/").json()
    assert detail["member_count"] == 3


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/communities/")
    assert response.status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_communities(
    api, make_user, django_assert_max_num_queries
):
    me = make_user()
    client = api(me)

    def seed(n):
        for _ in range(n):
            c = CommunityFactory(visibility=Visibility.RESTRICTED)
            add_member(c, me, Role.MEMBER)
            add_member(c, make_user(), Role.OWNER)

    seed(5)
    with django_assert_max_num_queries(6):
        client.get("/api/v1/communities/")
    at_5 = _list_queries(client)
    seed(45)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/communities/?page=2")
    assert len(response.json()["results"]) == 20
    rows = response.json()["results"]
    assert all(c["member_count"] == 2 and c["my_role"] == "member" for c in rows)
    assert _list_queries(client) == at_5


def test_restricted_community_is_404_to_outsiders_and_200_to_members(api, make_user):
    owner, outsider, insider = make_user(), make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, owner, Role.OWNER)
    add_member(community, insider)
    base = f"/api/v1/communities/{community.slug}"

    out = api(outsider)
    for response in (
        out.get(f"{base}/"),
        out.get(f"{base}/members/"),
        out.post(f"{base}/join/"),
        out.get(f"{base}/audience/?classification=confidential"),
        out.patch(f"{base}/", {"name": "x"}, format="json"),
        out.put(f"{base}/members/{outsider.username}/", {"role": "member"}, format="json"),
        out.delete(f"{base}/members/{insider.username}/"),
    ):
        assert response.status_code == 404
        assert "detail" in response.json()
    assert not Membership.objects.filter(user=outsider).exists()

    inside = api(insider)
    assert inside.get(f"{base}/").status_code == 200
    assert inside.get(f"{base}/members/").status_code == 200
    assert inside.get(f"{base}/audience/?classification=confidential").status_code == 200
    assert inside.post(f"{base}/join/").json() == {"status": "member"}


def test_detail_fields(api, make_user):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.MODERATED, guidelines="Be kind")
    add_member(community, owner, Role.OWNER)
    body = api(owner).get(f"/api/v1/communities/{community.slug}/").json()
    assert DETAIL_FIELDS <= set(body)
    assert body["ceiling"] == "confidential"
    assert body["ceiling_label"] == "Confidential"
    assert body["my_role"] == "owner"
    assert body["is_archived"] is False


def test_owner_patches_the_community(api, make_user):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.MODERATED)
    add_member(community, owner, Role.OWNER)
    response = api(owner).patch(
        f"/api/v1/communities/{community.slug}/",
        {
            "description": "New words",
            "visibility": "restricted",
            "ceiling": "strictly_confidential",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["visibility"] == "restricted"
    community.refresh_from_db()
    assert community.description == "New words"
    assert community.ceiling == Level.STRICTLY_CONFIDENTIAL


def test_non_owner_patch_is_403(api, make_user):
    member, moderator = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN, description="Old")
    add_member(community, member)
    add_member(community, moderator, Role.MODERATOR)
    for user in (member, moderator, make_user()):
        response = api(user).patch(
            f"/api/v1/communities/{community.slug}/", {"description": "Mine now"}, format="json"
        )
        assert response.status_code == 403
    community.refresh_from_db()
    assert community.description == "Old"


def test_widening_while_strictly_confidential_content_exists_is_400_and_unchanged(api, make_user):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, owner, Role.OWNER)
    PostFactory(community=community, author=owner, classification=Level.STRICTLY_CONFIDENTIAL)
    for change in (
        {"visibility": "open", "ceiling": "unclassified"},
        {"visibility": "moderated", "ceiling": "confidential"},
        {"visibility": "open"},
    ):
        response = api(owner).patch(f"/api/v1/communities/{community.slug}/", change, format="json")
        assert response.status_code == 400, change
    community.refresh_from_db()
    assert (community.visibility, community.ceiling) == ("restricted", "strictly_confidential")


@pytest.mark.parametrize(
    "payload",
    [
        {"slug": "renamed"},
        {"is_archived": True},
        {"auto_hide_threshold": "many"},
        {"visibility": "open", "ceiling": "confidential"},
        ["not", "an", "object"],
    ],
)
def test_invalid_patch_is_400_and_changes_nothing(api, make_user, payload):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.MODERATED, slug="stays")
    add_member(community, owner, Role.OWNER)
    before = Community.objects.filter(pk=community.pk).values().get()
    response = api(owner).patch("/api/v1/communities/stays/", payload, format="json")
    assert response.status_code == 400
    assert Community.objects.filter(pk=community.pk).values().get() == before


def test_patch_with_bad_json_is_400(api, make_user):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    response = api(owner).patch(
        f"/api/v1/communities/{community.slug}/", data="{oops", content_type="application/json"
    )
    assert response.status_code == 400


def test_archived_community_refuses_edits_and_joins_with_403(api, make_user):
    owner, visitor = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.OPEN, is_archived=True)
    add_member(community, owner, Role.OWNER)
    base = f"/api/v1/communities/{community.slug}"
    assert api(owner).patch(f"{base}/", {"description": "x"}, format="json").status_code == 403
    assert api(visitor).post(f"{base}/join/").status_code == 403
    assert api(visitor).get(f"{base}/").status_code == 200
    assert not Membership.objects.filter(user=visitor).exists()


def test_put_on_community_is_not_allowed(api, make_user):
    owner = make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, owner, Role.OWNER)
    response = api(owner).put(f"/api/v1/communities/{community.slug}/", {}, format="json")
    assert response.status_code == 405
