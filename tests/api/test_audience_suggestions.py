"""The @mention suggestions (SPEC §2.3, §6): ``communities/{slug}/audience/?classification=&readers=&q=``
answers, besides the audience line, up to 10 people whose username or name starts with ``q`` and
who would be able to read the item — the rule read backwards, not the member list."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from communities.api import SuggestionsThrottle
from communities.models import Role
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def board():
    """A restricted community: Olena owns it, Dmitri moderates, Dana and Dora are members; Diego is
    not a member; David left; Daria's account is inactive."""
    community = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board", name="Board")
    people = {
        name: UserFactory(username=name, first_name=name.title(), last_name=last)
        for name, last in [
            ("olena", "Owner"),
            ("dmitri", "Moderator"),
            ("dana", "Member"),
            ("dora", "Doe"),
            ("diego", "Outsider"),
            ("david", "Departed"),
            ("daria", "Inactive"),
        ]
    }
    add_member(community, people["olena"], Role.OWNER)
    add_member(community, people["dmitri"], Role.MODERATOR)
    add_member(community, people["dana"])
    add_member(community, people["dora"])
    add_member(community, people["daria"])
    people["daria"].is_active = False
    people["daria"].save()
    return {"community": community, **people}


def ask(client, query, slug="board"):
    return client.get(f"/api/v1/communities/{slug}/audience/?{query}")


def names(response):
    return [p["username"] for p in response.json()["suggestions"]]


def test_confidential_offers_the_members_who_match_only(api, board):
    response = ask(api(board["dana"]), "classification=confidential&q=d")
    assert response.status_code == 200
    body = response.json()
    assert names(response) == ["dana", "dmitri", "dora"]  # not Diego, David or Daria
    assert body["suggestions"][0] == {"username": "dana", "display_name": "Dana Member"}
    assert body["count"] == 4 and "members of Board" in body["description"]


def test_names_match_too_in_any_case(api, board):
    assert names(ask(api(board["dana"]), "classification=confidential&q=MODER")) == ["dmitri"]
    assert names(ask(api(board["dana"]), "classification=confidential&q=doe")) == ["dora"]


def test_strictly_confidential_offers_the_readers_the_author_and_the_owners(api, board):
    client = api(board["dana"])
    response = ask(client, "classification=strictly_confidential&readers=dora&q=d")
    assert names(response) == ["dana", "dora"]  # the author and the named reader; not the moderator
    assert names(ask(client, "classification=strictly_confidential&q=o")) == ["olena"]  # owners read it
    assert names(ask(client, "classification=strictly_confidential&q=dora")) == []


def test_an_open_unclassified_item_offers_every_active_person(api, board):
    square = CommunityFactory(visibility=Visibility.OPEN, slug="square")
    add_member(square, board["dana"])
    response = ask(api(board["dana"]), "classification=unclassified&q=d", slug="square")
    assert names(response) == ["dana", "david", "diego", "dmitri", "dora"]


def test_at_most_ten_and_the_exact_username_first(api, board):
    square = CommunityFactory(visibility=Visibility.OPEN, slug="square")
    add_member(square, board["dana"])
    for i in range(12):
        UserFactory(username=f"ab{i:02}", display_name="Zed")
    UserFactory(username="zed")
    response = ask(api(board["dana"]), "classification=unclassified&q=zed", slug="square")
    assert len(names(response)) == 10 and names(response)[0] == "zed"


def test_only_those_who_may_write_there_ask(api, board):
    assert ask(api(board["olena"]), "classification=confidential&q=d").status_code == 200
    moderated = CommunityFactory(visibility=Visibility.MODERATED, slug="club")
    response = ask(api(board["diego"]), "classification=confidential&q=d", slug="club")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only members of this community can write in it."
    add_member(moderated, board["diego"])
    moderated.is_archived = True
    moderated.save()
    response = ask(api(board["diego"]), "classification=unclassified&q=d", slug="club")
    assert response.status_code == 403 and "archived" in response.json()["detail"]
    assert ask(api(), "classification=confidential&q=d").status_code in (401, 403)


def test_an_invisible_community_is_404_like_a_missing_one(api, board):
    hidden = ask(api(board["diego"]), "classification=confidential&q=d")
    missing = ask(api(board["diego"]), "classification=confidential&q=d", slug="no-such-room")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("classification=confidential&q=", "q"),
        ("classification=confidential&q=%20%20", "q"),
        ("classification=confidential&q=" + "d" * 151, "q"),
        ("classification=secret&q=d", "classification"),
        ("q=d", "classification"),
        ("classification=confidential&readers=dora&q=d", "readers"),  # readers: strictly confidential only
        ("classification=strictly_confidential&readers=diego&q=d", "readers"),  # not a member
        ("classification=strictly_confidential&readers=ghost&q=d", "readers"),
    ],
)
def test_bad_input_is_a_clear_400(api, board, query, field):
    response = ask(api(board["dana"]), query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_without_q_the_audience_line_is_as_before(api, board):
    body = ask(api(board["dana"]), "classification=confidential").json()
    assert body == {"count": 4, "description": "the 4 members of Board"}


@pytest.mark.parametrize("n", [3, 30])
def test_the_query_count_is_constant(api, board, n, django_assert_max_num_queries):
    community = board["community"]
    for i in range(n):
        user = UserFactory(username=f"dz{i:02}")
        add_member(community, user)
    client = api(board["dana"])
    with django_assert_max_num_queries(8):
        response = ask(client, "classification=strictly_confidential&readers=dora,dz00,dz01&q=d")
    assert response.status_code == 200 and names(response) == ["dana", "dora", "dz00", "dz01"]


def test_suggestions_are_throttled_like_the_people_picker(api, board, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "people": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    assert issubclass(SuggestionsThrottle, SimpleRateThrottle)
    client = api(board["dana"])
    codes = [ask(client, "classification=confidential&q=d").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert ask(client, "classification=confidential").status_code == 200  # the audience line is not
    assert client.get("/api/v1/people/?q=da").status_code == 429  # one budget with the picker


def test_the_schema_describes_q_and_the_suggestions(api, board):
    schema = api(board["dana"]).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/communities/{slug}/audience/"]["get"]
    assert {"classification", "readers", "q"} <= {p["name"] for p in operation["parameters"]}
    audience = schema["components"]["schemas"]["Audience"]["properties"]
    assert audience["suggestions"]["items"]["$ref"].endswith("/PickedPerson")
