"""The audience line (SPEC §2.4): ``communities/{slug}/audience/``."""
from communities.models import Role
from tests.factories import CommunityFactory, add_member
from unisocial.classification import Visibility


def _audience(client, community, query):
    return client.get(f"/api/v1/communities/{community.slug}/audience/?{query}")


def test_open_unclassified_reaches_all_staff(api, make_user):
    author = make_user()
    for _ in range(3):
        make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, author, Role.OWNER)
    response = _audience(api(author), community, "classification=unclassified")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert "all staff" in body["description"]


def test_confidential_reaches_the_members(api, make_user):
    author = make_user()
    community = CommunityFactory(visibility=Visibility.MODERATED, name="Evaluation")
    add_member(community, author, Role.OWNER)
    add_member(community, make_user())
    add_member(community, make_user(), Role.MODERATOR)
    make_user()  # not a member
    body = _audience(api(author), community, "classification=confidential").json()
    assert body == {"count": 3, "description": "the 3 members of Evaluation"}


def test_strictly_confidential_reaches_author_readers_and_owners(api, make_user):
    owner, author, reader, other = make_user(), make_user(), make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, owner, Role.OWNER)
    add_member(community, author)
    add_member(community, reader)
    add_member(community, other)
    add_member(community, make_user(), Role.MODERATOR)
    response = _audience(
        api(author), community, f"classification=strictly_confidential&readers={reader.username}"
    )
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert "named people" in response.json()["description"]


def test_reader_who_is_not_a_member_is_400(api, make_user):
    author, outsider = make_user(), make_user()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, author, Role.OWNER)
    response = _audience(
        api(author), community, f"classification=strictly_confidential&readers={outsider.username}"
    )
    assert response.status_code == 400
    assert "readers" in response.json()


def test_missing_invalid_or_too_high_classification_is_400(api, make_user):
    author = make_user()
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, author, Role.OWNER)
    client = api(author)
    for query in ("", "classification=", "classification=secret", "classification=confidential"):
        response = _audience(client, community, query)
        assert response.status_code == 400, query
        assert "classification" in response.json()
    response = _audience(client, community, "classification=unclassified&readers=ghost")
    assert response.status_code == 400
