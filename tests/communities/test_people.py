"""People (SPEC §2.5): profiles with Follow, adding a member never changes a role, the members
page as a readable list with confirmations, and the people picker."""

import pytest

from communities.models import Membership, Role
from feed.models import Follow
from posts import services as post_services
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def room():
    """An open community: Olena owns it, Maria moderates, Ken is a member."""
    community = CommunityFactory(visibility=Visibility.OPEN, slug="practice", name="Practice")
    people = {
        "olena": UserFactory(username="olena", first_name="Olena", last_name="Owner"),
        "maria": UserFactory(username="maria", first_name="Maria", last_name="Moderator"),
        "ken": UserFactory(username="ken", first_name="Ken", last_name="Member"),
        "nadia": UserFactory(username="nadia", first_name="Nadia", last_name="Newcomer"),
    }
    add_member(community, people["olena"], Role.OWNER)
    add_member(community, people["maria"], Role.MODERATOR)
    add_member(community, people["ken"])
    return {"community": community, **people}


# --- adding never changes a role ---------------------------------------------------------------


def test_adding_an_existing_moderator_in_the_form_is_refused_and_keeps_her_role(login, room):
    response = login(room["olena"]).post(
        "/communities/practice/members/add/",
        {"add-username": "maria", "add-role": Role.MEMBER},
        follow=True,
    )
    assert Membership.objects.get(user=room["maria"]).role == Role.MODERATOR
    assert messages_of(response) == [
        "Maria Moderator is already a moderator of this community; change the role in the list."
    ]


def test_adding_an_existing_member_in_the_api_is_400_and_changes_nothing(api, room):
    response = api(room["olena"]).post(
        "/api/v1/communities/practice/members/",
        {"username": "maria", "role": "member"},
        format="json",
    )
    assert response.status_code == 400
    assert "already a moderator" in response.json()["username"][0]
    assert Membership.objects.get(user=room["maria"]).role == Role.MODERATOR


def test_the_api_adds_a_new_member_and_only_owners_may(api, room):
    url = "/api/v1/communities/practice/members/"
    assert api(room["ken"]).post(url, {"username": "nadia", "role": "member"}, format="json").status_code == 403
    response = api(room["olena"]).post(url, {"username": "nadia", "role": "moderator"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "moderator"
    assert api(room["olena"]).post(url, {"username": "ghost", "role": "member"}, format="json").status_code == 400


def test_a_role_changes_through_the_explicit_change_control(login, room):
    membership = Membership.objects.get(user=room["maria"])
    login(room["olena"]).post("/communities/practice/members/maria/role/", {f"m{membership.pk}-role": Role.MEMBER})
    assert Membership.objects.get(user=room["maria"]).role == Role.MEMBER


# --- the members page --------------------------------------------------------------------------


def test_the_members_page_is_a_list_with_a_compact_change_control_and_no_remove_button(login, room):
    page = login(room["olena"]).get("/communities/practice/members/").content.decode()
    assert '<ul class="member-list"' in page and "<table" not in page
    assert '<a href="/people/maria/" dir="auto">Maria Moderator</a>' in page  # names link to profiles
    assert page.count('<details class="member__change">') == 3
    # Removing is a link to a confirmation page, not a red button on every row.
    assert 'href="/communities/practice/members/ken/remove/"' in page
    assert "button--danger" not in page
    assert 'data-people-picker="/api/v1/people/"' in page and "js/people-picker.js" in page


def test_a_plain_member_sees_the_list_without_controls(login, room):
    page = login(room["ken"]).get("/communities/practice/members/").content.decode()
    assert "member__change" not in page and "/remove/" not in page


def test_removing_a_member_asks_first(login, room):
    client = login(room["olena"])
    confirm = client.get("/communities/practice/members/ken/remove/")
    assert confirm.status_code == 200
    assert "Remove Ken Member from Practice?" in confirm.content.decode()
    assert Membership.objects.filter(user=room["ken"]).exists()  # asking changed nothing
    client.post("/communities/practice/members/ken/remove/")
    assert not Membership.objects.filter(user=room["ken"]).exists()


def test_the_remove_confirmation_is_for_owners_and_members_only(login, room):
    assert login(room["ken"]).get("/communities/practice/members/maria/remove/").status_code == 403
    assert login(room["olena"]).get("/communities/practice/members/nadia/remove/").status_code == 404
    assert login(room["olena"]).put("/communities/practice/members/ken/remove/").status_code == 405


def test_reverting_a_wiki_page_asks_first_and_asks_the_reason_when_it_lowers(login, room):
    restricted = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board")
    add_member(restricted, room["olena"], Role.OWNER)
    page, _ = post_services.wiki_create(
        actor=room["olena"], community=restricted, title="Plan", body="first", classification=Level.UNCLASSIFIED
    )
    first = page.history.order_by("history_id").first().history_id
    post_services.item_reclassify(actor=room["olena"], item=page, classification=Level.CONFIDENTIAL)
    client = login(room["olena"])
    history = client.get("/communities/board/wiki/plan/history/").content.decode()
    assert f'href="/communities/board/wiki/plan/revert/?version={first}"' in history
    confirm = client.get(f"/communities/board/wiki/plan/revert/?version={first}")
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Revert “<bdi>Plan</bdi>”?" in text
    assert 'name="reason"' in text  # restoring an unclassified revision lowers the page
    page.refresh_from_db()
    assert page.classification == Level.CONFIDENTIAL  # asking changed nothing
    client.post("/communities/board/wiki/plan/revert/", {"version": first, "reason": "made public"})
    page.refresh_from_db()
    assert page.classification == Level.UNCLASSIFIED
    assert client.get("/communities/board/wiki/plan/revert/?version=x").status_code == 404


# --- profiles and follows ----------------------------------------------------------------------


def test_the_profile_has_follow_and_following_puts_their_posts_under_people_i_follow(login, room):
    elsewhere = CommunityFactory(visibility=Visibility.OPEN, slug="elsewhere")
    add_member(elsewhere, room["ken"])
    post_services.post_create(actor=room["ken"], community=elsewhere, title="Ken's field notes")
    client = login(room["nadia"])
    profile = client.get("/people/ken/").content.decode()
    assert "Follow <bdi>Ken Member</bdi>" in profile
    assert "Ken's field notes" not in client.get("/").content.decode()
    client.post("/people/ken/follow/", {"next": "/people/ken/"})
    assert Follow.objects.filter(follower=room["nadia"], followed=room["ken"]).exists()
    assert "Stop following <bdi>Ken Member</bdi>" in client.get("/people/ken/").content.decode()
    assert "Ken&#x27;s field notes" in client.get("/").content.decode()


def test_the_profile_shows_only_what_the_viewer_may_see(login, room):
    board = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board", name="Secret board")
    add_member(board, room["ken"])
    post_services.post_create(
        actor=room["ken"], community=board, title="Board minutes", classification=Level.CONFIDENTIAL
    )
    page = login(room["nadia"]).get("/people/ken/").content.decode()
    assert "Board minutes" not in page and "Secret board" not in page
    assert "Practice" in page


def test_an_unknown_or_inactive_person_has_no_profile_and_no_link(login, room, make_post):
    gone = UserFactory(username="gone", is_active=False)
    add_member(room["community"], gone)
    post = make_post(community=room["community"], author=gone, title="Old notes")
    client = login(room["ken"])
    assert client.get("/people/nobody/").status_code == 404
    assert client.get("/people/gone/").status_code == 404
    assert 'href="/people/gone/"' not in client.get(post.get_absolute_url()).content.decode()


def test_author_names_link_to_their_profile_on_cards_post_pages_and_comments(login, room):
    post, _ = post_services.post_create(actor=room["ken"], community=room["community"], title="Notes")
    post_services.comment_create(actor=room["maria"], post=post, body="Thanks")
    client = login(room["nadia"])
    assert 'href="/people/ken/"' in client.get("/?scope=open").content.decode()
    assert 'href="/people/ken/"' in client.get("/communities/practice/").content.decode()
    detail = client.get(post.get_absolute_url()).content.decode()
    assert 'href="/people/ken/"' in detail and 'href="/people/maria/"' in detail


@pytest.mark.parametrize("n", [3, 30])
def test_profile_and_confirmation_pages_query_count_is_constant(login, room, n, django_assert_max_num_queries):
    for i in range(n):
        post_services.post_create(actor=room["ken"], community=room["community"], title=f"Post {i}")
    client = login(room["olena"])
    with django_assert_max_num_queries(16):
        assert client.get("/people/ken/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/communities/practice/members/ken/remove/").status_code == 200
    page, _ = post_services.wiki_create(actor=room["olena"], community=room["community"], title="Notes", body="a")
    for i in range(n):
        post_services.wiki_update(actor=room["olena"], page=page, body=f"v{i}")
    first = page.history.order_by("history_id").first().history_id
    with django_assert_max_num_queries(16):
        assert client.get(f"/communities/practice/wiki/notes/revert/?version={first}").status_code == 200


# --- the people picker -------------------------------------------------------------------------


def test_the_picker_answers_username_and_display_name_only_and_at_most_ten(api, room):
    for i in range(12):
        UserFactory(username=f"nad{i:02}")
    UserFactory(username="nadine", is_active=False)
    response = api(room["ken"]).get("/api/v1/people/?q=NAD")
    results = response.json()["results"]
    assert response.status_code == 200 and len(results) == 10
    assert set(results[0]) == {"username", "display_name"}
    assert "nadine" not in [r["username"] for r in results]
    by_name = api(room["ken"]).get("/api/v1/people/?q=newc").json()["results"]
    assert by_name == [{"username": "nadia", "display_name": "Nadia Newcomer"}]
    assert api(room["ken"]).get("/api/v1/people/?q=n").json() == {"results": []}  # 2 characters at least
    assert api().get("/api/v1/people/?q=na").status_code in (401, 403)


def test_the_picker_for_a_community_offers_its_members_only(api, room):
    # Strictly confidential readers must be members (SPEC §2.3): their picker draws from the members.
    names = [r["username"] for r in api(room["ken"]).get("/api/v1/people/?q=ma&community=practice").json()["results"]]
    assert names == ["maria"]
    outsiders = api(room["ken"]).get("/api/v1/people/?q=na&community=practice").json()["results"]
    assert outsiders == []
    CommunityFactory(visibility=Visibility.RESTRICTED, slug="hidden")
    assert api(room["ken"]).get("/api/v1/people/?q=ma&community=hidden").status_code == 404


def test_the_readers_field_of_a_strictly_confidential_form_picks_from_the_members(login, room):
    board = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board", ceiling=Level.STRICTLY_CONFIDENTIAL)
    add_member(board, room["olena"], Role.OWNER)
    page = login(room["olena"]).get("/posts/new/?community=board").content.decode()
    assert 'data-people-community="board"' in page and "js/people-picker.js" in page


def test_the_revert_confirmation_refuses_a_named_reader_before_the_form(login, room):
    # A strictly confidential revision sets the named readers: only the author and the owners
    # may restore it (SPEC §2.3); the confirmation page says so instead of offering the button.
    board = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board", ceiling=Level.STRICTLY_CONFIDENTIAL)
    add_member(board, room["olena"], Role.OWNER)
    add_member(board, room["ken"])
    page, _ = post_services.wiki_create(
        actor=room["olena"],
        community=board,
        title="Plan",
        body="first",
        classification=Level.STRICTLY_CONFIDENTIAL,
        readers=[room["ken"]],
    )
    post_services.wiki_update(actor=room["ken"], page=page, body="second")
    first = page.history.order_by("history_id").first().history_id
    response = login(room["ken"]).get(f"/communities/board/wiki/{page.slug}/revert/?version={first}")
    assert response.status_code == 403
    assert "only its author and the community&#x27;s owners may restore it" in response.content.decode()
