"""``communities/{slug}/wiki/…`` pages, history and revert (SPEC §2.2–2.3, §6)."""

import pytest

from communities.models import Role
from notifications.models import Notification
from posts.models import AccessLog, WikiPage, WikiPageReader
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

from .test_posts import XSS_VECTORS, assert_safe

PAGE_FIELDS = {
    "slug",
    "title",
    "body",
    "body_source",
    "body_format",
    "classification",
    "readers",
    "updated_at",
    "last_edited_by",
}


@pytest.fixture
def moderated(db):
    community = CommunityFactory(visibility=Visibility.MODERATED)
    people = {
        name: UserFactory(username=name) for name in ("owner", "moderator", "member", "outsider")
    }
    add_member(community, people["owner"], Role.OWNER)
    add_member(community, people["moderator"], Role.MODERATOR)
    add_member(community, people["member"], Role.MEMBER)
    return community, people


@pytest.fixture
def restricted(db):
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    people = {
        n: UserFactory(username=f"r-{n}")
        for n in ("owner", "moderator", "author", "reader", "member")
    }
    add_member(community, people["owner"], Role.OWNER)
    add_member(community, people["moderator"], Role.MODERATOR)
    for name in ("author", "reader", "member"):
        add_member(community, people[name])
    return community, people


def _base(community):
    return f"/api/v1/communities/{community.slug}/wiki/"


def _create(client, community, **data):
    data = {"title": "Onboarding", "body": "<p>Welcome</p>", **data}
    response = client.post(_base(community), data, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_outsider_gets_404_on_every_route_of_a_moderated_community_page(api, moderated):
    community, people = moderated
    page = _create(api(people["member"]), community, classification="unclassified")
    url = f"{_base(community)}{page['slug']}/"
    client = api(people["outsider"])
    # The community is listed to them, its pages are not.
    assert client.get(f"/api/v1/communities/{community.slug}/").status_code == 200
    assert client.get(_base(community)).json()["count"] == 0
    for path in (url, f"{url}history/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "detail" in response.json()
    assert client.put(url, {"title": "Mine"}, format="json").status_code == 404
    assert client.post(f"{url}revert/", {"version": 1}, format="json").status_code == 404
    assert WikiPage.objects.get().title == "Onboarding"


def test_pages_of_a_restricted_community_are_404_to_outsiders(api, restricted, make_user):
    community, people = restricted
    _create(api(people["member"]), community, slug="home", classification="confidential")
    outsider = make_user()
    for path in (_base(community), f"{_base(community)}home/", f"{_base(community)}home/history/"):
        assert api(outsider).get(path).status_code == 404, path
    assert api(outsider).post(_base(community), {"title": "x"}, format="json").status_code == 404
    assert WikiPage.objects.count() == 1


def test_strictly_confidential_page_is_404_to_a_moderator_and_logged_for_readers(api, restricted):
    community, people = restricted
    page = _create(
        api(people["author"]),
        community,
        classification="strictly_confidential",
        readers=[people["reader"].username],
    )
    assert page["readers"] == [people["reader"].username]
    url = f"{_base(community)}{page['slug']}/"
    for name in ("moderator", "member"):
        assert api(people[name]).get(url).status_code == 404
        assert api(people[name]).get(f"{url}history/").status_code == 404
        assert api(people[name]).get(_base(community)).json()["count"] == 0
    response = api(people["reader"]).get(url)
    assert response.status_code == 200
    assert response.json()["readers"] == []  # the reader list is for the author and owners
    assert api(people["owner"]).get(url).json()["readers"] == [people["reader"].username]
    log = AccessLog.objects.filter(user=people["reader"], target_type="wiki", via="api")
    assert log.count() == 1


def test_create_returns_the_page(api, moderated):
    community, people = moderated
    page = _create(
        api(people["member"]), community, classification="confidential", slug="on-boarding"
    )
    assert PAGE_FIELDS | {"warnings"} <= set(page)
    assert page["slug"] == "on-boarding"
    assert page["classification"] == "confidential"
    assert page["last_edited_by"] == "member"
    assert page["warnings"] == []
    assert page["body"] == "<p>Welcome</p>"
    listed = api(people["owner"]).get(_base(community)).json()["results"]
    assert [p["slug"] for p in listed] == ["on-boarding"]


def test_slug_defaults_to_the_title(api, moderated):
    community, people = moderated
    page = _create(
        api(people["member"]), community, title="Field Guide", classification="unclassified"
    )
    assert page["slug"] == "field-guide"
    assert api(people["owner"]).get(f"{_base(community)}field-guide/").status_code == 200


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": "No level"}, "classification"),
        ({"title": "Too high", "classification": "strictly_confidential"}, "classification"),
        ({"title": "", "classification": "confidential"}, "title"),
        (
            {"title": "Bad format", "classification": "confidential", "body_format": "rtf"},
            "body_format",
        ),
        ({"title": "Sneaky", "classification": "confidential", "author": "owner"}, "author"),
        ({"title": "Taken", "slug": "home", "classification": "confidential"}, "slug"),
    ],
)
def test_create_with_bad_input_is_400_and_creates_nothing(api, moderated, data, field):
    community, people = moderated
    _create(
        api(people["owner"]), community, title="Home", slug="home", classification="unclassified"
    )
    response = api(people["member"]).post(_base(community), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert WikiPage.objects.count() == 1


def test_reader_who_is_not_a_member_is_400(api, restricted, make_user):
    community, people = restricted
    stranger = make_user()
    response = api(people["author"]).post(
        _base(community),
        {
            "title": "Secret",
            "classification": "strictly_confidential",
            "readers": [stranger.username],
        },
        format="json",
    )
    assert response.status_code == 400
    assert stranger.username in str(response.json()["readers"])
    assert not WikiPage.objects.exists()
    assert not WikiPageReader.objects.exists()


def test_non_member_of_an_open_community_reads_but_cannot_write(api, user, make_user):
    community = CommunityFactory(visibility=Visibility.OPEN)
    owner = make_user()
    add_member(community, owner, Role.OWNER)
    _create(api(owner), community, slug="home")
    assert api(user).get(f"{_base(community)}home/").status_code == 200
    assert (
        api(user).put(f"{_base(community)}home/", {"title": "Mine"}, format="json").status_code
        == 403
    )
    assert api(user).post(_base(community), {"title": "New"}, format="json").status_code == 403
    assert list(WikiPage.objects.values_list("title", flat=True)) == ["Onboarding"]


def test_mention_of_someone_who_cannot_see_warns(
    api, moderated, django_capture_on_commit_callbacks
):
    community, people = moderated
    with django_capture_on_commit_callbacks(execute=True):
        page = _create(
            api(people["member"]),
            community,
            classification="confidential",
            body="<p>@outsider see this</p>",
        )
    [warning] = page["warnings"]
    assert "outsider" in warning
    assert not Notification.objects.filter(recipient=people["outsider"]).exists()


def test_any_member_edits_and_history_records_each_revision(api, moderated):
    community, people = moderated
    page = _create(api(people["member"]), community, classification="confidential")
    url = f"{_base(community)}{page['slug']}/"

    # PUT with partial data: only the body changes.
    response = api(people["moderator"]).put(url, {"body": "<p>Second</p>"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["body"] == "<p>Second</p>"
    assert response.json()["title"] == "Onboarding"
    assert response.json()["last_edited_by"] == "moderator"

    history = api(people["member"]).get(f"{url}history/")
    assert history.status_code == 200
    rows = history.json()["results"]
    assert [r["history_user"] for r in rows] == ["moderator", "member"]
    assert [r["history_type"] for r in rows] == ["~", "+"]
    assert {
        "version",
        "title",
        "classification",
        "history_date",
        "history_user",
        "history_type",
        "reason",
    } <= set(rows[0])


def test_lowering_needs_a_reason_recorded_in_history(api, moderated):
    community, people = moderated
    page = _create(api(people["member"]), community, classification="confidential")
    url = f"{_base(community)}{page['slug']}/"
    client = api(people["member"])

    response = client.put(url, {"classification": "unclassified"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert WikiPage.objects.get().classification == Level.CONFIDENTIAL

    # A plain member who is not the author may not lower it at all.
    other = UserFactory()
    add_member(community, other)
    assert (
        api(other)
        .put(url, {"classification": "unclassified", "reason": "x"}, format="json")
        .status_code
        == 403
    )

    response = client.put(
        url, {"classification": "unclassified", "reason": "Cleared for all staff"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["classification"] == "unclassified"
    latest = client.get(f"{url}history/").json()["results"][0]
    assert latest["reason"] == "Cleared for all staff"


@pytest.mark.parametrize(
    "data", [{"title": ""}, {"classification": "nope"}, {"slug": "moved"}, {"status": "hidden"}]
)
def test_edit_with_bad_input_is_400_and_changes_nothing(api, moderated, data):
    community, people = moderated
    page = _create(api(people["member"]), community, classification="confidential")
    url = f"{_base(community)}{page['slug']}/"
    response = api(people["member"]).put(url, data, format="json")
    assert response.status_code == 400
    assert set(data) <= set(response.json())
    stored = WikiPage.objects.get()
    assert (stored.slug, stored.title, stored.status) == (
        "onboarding",
        "Onboarding",
        Status.PUBLISHED,
    )
    assert stored.history.count() == 1


def test_revert_is_a_new_revision(api, moderated):
    community, people = moderated
    client = api(people["member"])
    page = _create(client, community, classification="confidential", body="<p>One</p>")
    url = f"{_base(community)}{page['slug']}/"
    client.put(url, {"title": "Renamed", "body": "<p>Two</p>"}, format="json")
    first = client.get(f"{url}history/").json()["results"][-1]

    response = client.post(f"{url}revert/", {"version": first["version"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Onboarding"
    assert response.json()["body"] == "<p>One</p>"
    rows = client.get(f"{url}history/").json()["results"]
    assert len(rows) == 3
    assert f"{first['version']}" in rows[0]["reason"]


@pytest.mark.parametrize("version", [999999, "abc", None])
def test_revert_to_an_unknown_revision_is_400(api, moderated, version):
    community, people = moderated
    page = _create(api(people["member"]), community, classification="confidential")
    url = f"{_base(community)}{page['slug']}/"
    response = api(people["member"]).post(f"{url}revert/", {"version": version}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()
    assert WikiPage.objects.get().history.count() == 1


def test_revert_to_another_pages_revision_is_400(api, moderated):
    community, people = moderated
    client = api(people["member"])
    one = _create(client, community, title="One", classification="confidential")
    _create(client, community, title="Two", classification="confidential")
    version = client.get(f"{_base(community)}{one['slug']}/history/").json()["results"][0][
        "version"
    ]
    response = client.post(f"{_base(community)}two/revert/", {"version": version}, format="json")
    assert response.status_code == 400
    assert WikiPage.objects.get(slug="two").title == "Two"


def test_revisions_above_the_current_level_are_hidden_and_cannot_be_reverted_to(api, moderated):
    community, people = moderated
    author = api(people["member"])
    page = _create(author, community, classification="confidential", body="<p>Internal draft</p>")
    url = f"{_base(community)}{page['slug']}/"
    author.put(
        url,
        {"classification": "unclassified", "body": "<p>Public</p>", "reason": "cleared"},
        format="json",
    )
    confidential = author.get(f"{url}history/").json()["results"][-1]
    assert confidential["classification"] == "confidential"

    other = UserFactory()
    add_member(community, other)
    rows = api(other).get(f"{url}history/").json()["results"]
    assert [r["classification"] for r in rows] == ["unclassified"]
    response = api(other).post(f"{url}revert/", {"version": confidential["version"]}, format="json")
    assert response.status_code == 400
    assert WikiPage.objects.get().body == "<p>Public</p>"


def test_archived_community_wiki_is_read_only(api, moderated):
    community, people = moderated
    page = _create(api(people["member"]), community, classification="confidential")
    community.is_archived = True
    community.save()
    url = f"{_base(community)}{page['slug']}/"
    client = api(people["member"])
    assert client.get(url).status_code == 200
    assert client.get(url).json()["can_edit"] is False
    assert client.put(url, {"title": "x"}, format="json").status_code == 403
    assert (
        client.post(
            _base(community), {"title": "New", "classification": "confidential"}, format="json"
        ).status_code
        == 403
    )
    assert WikiPage.objects.count() == 1


def test_unknown_community_or_page_is_404(api, moderated):
    community, people = moderated
    client = api(people["member"])
    assert client.get("/api/v1/communities/nowhere/wiki/").status_code == 404
    assert client.get(f"{_base(community)}nothing-here/").status_code == 404


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_in_wiki_pages_is_sanitized(api, moderated, vector):
    community, people = moderated
    client = api(people["member"])
    page = _create(client, community, classification="confidential", body=vector)
    assert_safe(page["body"])
    url = f"{_base(community)}{page['slug']}/"
    edited = client.put(
        url, {"body": f"<p>x</p>{vector}", "body_format": "markdown"}, format="json"
    )
    assert edited.status_code == 200
    assert_safe(edited.json()["body"])
    assert_safe(client.get(url).json()["body"])


def test_a_moderator_cannot_change_a_pages_level_by_editing_it(api, restricted):
    # SPEC §2.3: only the author and the owners change a page's level by an
    # edit; moderators raise a level through moderation (reclassify). This test used to
    # expect a moderator's PUT to raise the page (204).
    community, people = restricted
    page = _create(api(people["author"]), community, classification="confidential")
    url = f"{_base(community)}{page['slug']}/"
    response = api(people["moderator"]).put(
        url, {"classification": "strictly_confidential"}, format="json"
    )
    assert response.status_code == 403
    assert WikiPage.objects.get().classification == "confidential"