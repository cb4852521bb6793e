"""``posts/`` and ``posts/{id}/`` with likes and history (SPEC §2.2–2.4, §6)."""

from html.parser import HTMLParser

import pytest
from rest_framework.test import APIClient

from communities.models import Role
from notifications.models import Notification
from posts.models import AccessLog, Like, Post
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member, grant_reader
from unisocial.classification import Level, Status, Visibility
from unisocial.tokens import create_token

DETAIL_FIELDS = {
    "id",
    "community",
    "title",
    "body",
    "body_source",
    "body_format",
    "classification",
    "classification_label",
    "status",
    "author",
    "tags",
    "readers",
    "like_count",
    "comment_count",
    "liked_by_me",
    "created_at",
    "updated_at",
    "can_edit",
}


@pytest.fixture
def moderated(db):
    """A moderated community (ceiling confidential): one person in each role, and an outsider."""
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
    """A restricted community (ceiling strictly confidential)."""
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    people = {
        name: UserFactory(username=f"r-{name}")
        for name in ("owner", "moderator", "author", "reader", "member")
    }
    add_member(community, people["owner"], Role.OWNER)
    add_member(community, people["moderator"], Role.MODERATOR)
    for name in ("author", "reader", "member"):
        add_member(community, people[name], Role.MEMBER)
    return community, people


def _ids(response):
    assert response.status_code == 200, response.content
    return {p["id"] for p in response.json()["results"]}


# ---------------------------------------------------------------- who sees what


def test_outsider_gets_404_on_an_unclassified_post_of_a_moderated_community(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["member"])
    client = api(people["outsider"])
    for path in (
        f"/api/v1/posts/{post.pk}/",
        f"/api/v1/posts/{post.pk}/likes/",
        f"/api/v1/posts/{post.pk}/history/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "detail" in response.json()
    assert client.post(f"/api/v1/posts/{post.pk}/like/").status_code == 404
    assert (
        client.patch(f"/api/v1/posts/{post.pk}/", {"title": "x"}, format="json").status_code == 404
    )
    assert client.delete(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert not Like.objects.exists()
    # The member sees it.
    assert api(people["member"]).get(f"/api/v1/posts/{post.pk}/").status_code == 200


def test_missing_and_invisible_posts_answer_the_same(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["member"])
    client = api(people["outsider"])
    invisible = client.get(f"/api/v1/posts/{post.pk}/")
    missing = client.get("/api/v1/posts/999999/")
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


def test_moderator_gets_404_for_a_strictly_confidential_post(api, restricted):
    community, people = restricted
    post = PostFactory(
        community=community, author=people["author"], classification=Level.STRICTLY_CONFIDENTIAL
    )
    grant_reader(post, people["reader"])
    assert api(people["moderator"]).get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert api(people["member"]).get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert post.pk not in _ids(api(people["moderator"]).get("/api/v1/posts/"))
    for name in ("author", "reader", "owner"):
        assert api(people[name]).get(f"/api/v1/posts/{post.pk}/").status_code == 200, name


def test_strictly_confidential_detail_is_written_to_the_access_log(api, restricted):
    community, people = restricted
    post = PostFactory(
        community=community, author=people["author"], classification=Level.STRICTLY_CONFIDENTIAL
    )
    confidential = PostFactory(
        community=community, author=people["author"], classification=Level.CONFIDENTIAL
    )
    api(people["owner"]).get(f"/api/v1/posts/{post.pk}/")
    api(people["owner"]).get(f"/api/v1/posts/{confidential.pk}/")
    [log] = AccessLog.objects.all()
    assert (log.user, log.target_type, log.target_id, log.via) == (
        people["owner"],
        "post",
        post.pk,
        "api",
    )
    # A list showing the body is a view too.
    api(people["author"]).get("/api/v1/posts/")
    assert (
        AccessLog.objects.filter(user=people["author"], target_id=post.pk, via="api").count() == 1
    )


def test_list_shows_only_what_the_rule_allows(api, moderated, restricted):
    community, people = moderated
    me = people["member"]
    other = people["moderator"]
    visible = PostFactory(community=community, author=other)
    mine_pending = PostFactory(community=community, author=me, status=Status.PENDING)
    hidden = PostFactory(community=community, author=other, status=Status.HIDDEN)
    pending = PostFactory(community=community, author=other, status=Status.PENDING)
    withdrawn = PostFactory(community=community, author=me, status=Status.WITHDRAWN)
    r_community, r_people = restricted
    add_member(r_community, me)
    sc_not_granted = PostFactory(
        community=r_community, author=r_people["author"], classification=Level.STRICTLY_CONFIDENTIAL
    )
    sc_granted = PostFactory(
        community=r_community, author=r_people["author"], classification=Level.STRICTLY_CONFIDENTIAL
    )
    grant_reader(sc_granted, me)
    not_member = PostFactory(community=CommunityFactory(visibility=Visibility.MODERATED))
    open_post = PostFactory(community=CommunityFactory(visibility=Visibility.OPEN))

    ids = _ids(api(me).get("/api/v1/posts/"))
    assert ids == {visible.pk, mine_pending.pk, sc_granted.pk, open_post.pk}
    for absent in (hidden, pending, withdrawn, sc_not_granted, not_member):
        assert absent.pk not in ids
    assert api(me).get("/api/v1/posts/").json()["count"] == 4
    # The moderator also sees the held-back items of the community (SPEC §2.2).
    assert {hidden.pk, pending.pk, mine_pending.pk} <= _ids(api(other).get("/api/v1/posts/"))


def test_list_is_newest_first_and_filters_by_community_and_tag(api, moderated):
    community, people = moderated
    client = api(people["member"])
    other_community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(other_community, people["member"])
    first = client.post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "First",
            "classification": "unclassified",
            "tags": ["Field Notes"],
        },
        format="json",
    ).json()
    second = client.post(
        "/api/v1/posts/",
        {
            "community": other_community.slug,
            "title": "Second",
            "tags": ["field notes", "other"],
        },
        format="json",
    ).json()
    third = client.post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Third",
            "classification": "confidential",
        },
        format="json",
    ).json()

    rows = client.get("/api/v1/posts/").json()["results"]
    assert [r["id"] for r in rows] == [third["id"], second["id"], first["id"]]
    assert _ids(client.get(f"/api/v1/posts/?community={community.slug}")) == {
        first["id"],
        third["id"],
    }
    assert _ids(client.get("/api/v1/posts/?tag=field-notes")) == {first["id"], second["id"]}
    assert _ids(client.get("/api/v1/posts/?tag=Field Notes")) == {first["id"], second["id"]}
    # Filtering by a community one may not see shows nothing, not an error that reveals it.
    hidden = CommunityFactory(visibility=Visibility.RESTRICTED)
    PostFactory(community=hidden)
    assert _ids(client.get(f"/api/v1/posts/?community={hidden.slug}")) == set()


def test_list_query_count_is_constant(api, moderated, django_assert_max_num_queries):
    community, people = moderated
    client = api(people["member"])

    def seed(n):
        for _ in range(n):
            post = PostFactory(community=community, author=people["owner"])
            post.tags.create(name=f"tag {post.pk}", slug=f"tag-{post.pk}")
            Like.objects.create(post=post, user=people["moderator"])

    seed(5)
    with django_assert_max_num_queries(6) as five:
        assert client.get("/api/v1/posts/").status_code == 200
    seed(45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get("/api/v1/posts/?page_size=50")
    assert response.status_code == 200
    assert all(r["like_count"] == 1 for r in response.json()["results"])


# ---------------------------------------------------------------- create


def test_create_returns_the_detail_with_status_and_warnings(api, moderated):
    community, people = moderated
    response = api(people["member"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Hello",
            "body": "# Heading\n\nSome *text*",
            "body_format": "markdown",
            "classification": "confidential",
            "tags": ["alpha", "beta"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert DETAIL_FIELDS | {"warnings"} <= set(body)
    assert body["community"] == community.slug
    assert body["author"] == "member"
    assert body["status"] == "published"
    assert body["classification"] == "confidential"
    assert body["classification_label"] == "Confidential"
    assert body["warnings"] == []
    assert "<em>text</em>" in body["body"]
    assert body["body_source"] == "# Heading\n\nSome *text*"
    assert sorted(body["tags"]) == ["alpha", "beta"]
    assert body["can_edit"] is True
    assert body["like_count"] == body["comment_count"] == 0
    assert Post.objects.get(pk=body["id"]).author == people["member"]


def test_create_under_premoderation_is_pending(api, moderated):
    community, people = moderated
    community.premoderation = True
    community.save()
    response = api(people["member"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Wait",
            "classification": "unclassified",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_create_without_classification_under_a_confidential_ceiling_is_400(api, moderated):
    community, people = moderated
    response = api(people["member"]).post(
        "/api/v1/posts/", {"community": community.slug, "title": "No level"}, format="json"
    )
    assert response.status_code == 400
    assert "classification" in response.json()
    assert not Post.objects.exists()


def test_create_in_an_open_community_defaults_to_unclassified(api, user):
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, user)
    response = api(user).post(
        "/api/v1/posts/", {"community": community.slug, "title": "Hi"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["classification"] == "unclassified"


def test_create_with_a_reader_who_is_not_a_member_is_400(api, restricted, make_user):
    community, people = restricted
    stranger = make_user()
    response = api(people["author"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Secret",
            "classification": "strictly_confidential",
            "readers": [people["reader"].username, stranger.username],
        },
        format="json",
    )
    assert response.status_code == 400
    assert stranger.username in str(response.json()["readers"])
    assert not Post.objects.exists()


def test_create_with_an_unknown_reader_is_400(api, restricted):
    community, people = restricted
    response = api(people["author"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Secret",
            "classification": "strictly_confidential",
            "readers": ["nobody-by-that-name"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "readers" in response.json()
    assert not Post.objects.exists()


@pytest.mark.parametrize("visibility", [None, Visibility.RESTRICTED])
def test_create_in_an_unknown_or_invisible_community_is_400_unknown_community(
    api, user, visibility
):
    slug = "nowhere"
    if visibility:
        CommunityFactory(visibility=visibility, slug=slug)
    response = api(user).post("/api/v1/posts/", {"community": slug, "title": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["community"] == ["Unknown community."]
    assert not Post.objects.exists()


def test_create_by_a_non_member_of_a_visible_community_is_403(api, moderated):
    community, people = moderated
    response = api(people["outsider"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "x",
            "classification": "unclassified",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"classification": "top_secret"},
        {"body_format": "rtf"},
        {"status": "published"},
        {"author": "owner"},
        {"tags": "not-a-list"},
        {"classification": "strictly_confidential"},  # above the ceiling
    ],
)
def test_create_with_bad_input_is_400_and_creates_nothing(api, moderated, change):
    community, people = moderated
    data = {
        "community": community.slug,
        "title": "Fine",
        "classification": "confidential",
        **change,
    }
    response = api(people["member"]).post("/api/v1/posts/", data, format="json")
    assert response.status_code == 400
    assert set(change) <= set(response.json())
    assert not Post.objects.exists()


def test_create_in_an_archived_community_is_403(api, moderated):
    community, people = moderated
    community.is_archived = True
    community.save()
    response = api(people["member"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "x",
            "classification": "unclassified",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_mentioning_someone_who_cannot_see_warns_and_does_not_notify(
    api, moderated, django_capture_on_commit_callbacks
):
    community, people = moderated
    with django_capture_on_commit_callbacks(execute=True):
        response = api(people["member"]).post(
            "/api/v1/posts/",
            {
                "community": community.slug,
                "title": "Budget",
                "body": "<p>@outsider and @owner please look</p>",
                "classification": "confidential",
            },
            format="json",
        )
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert "outsider" in warning
    assert "owner" not in warning
    assert not Notification.objects.filter(recipient=people["outsider"]).exists()
    [note] = Notification.objects.filter(recipient=people["owner"], kind="mention")
    assert "Budget" not in note.message  # no title above unclassified (SPEC §2.4)


# ---------------------------------------------------------------- readers


def test_readers_are_shown_to_the_author_and_owners_only(api, restricted):
    community, people = restricted
    response = api(people["author"]).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Secret",
            "classification": "strictly_confidential",
            "readers": [people["reader"].username],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["readers"] == [people["reader"].username]
    pk = response.json()["id"]
    assert api(people["owner"]).get(f"/api/v1/posts/{pk}/").json()["readers"] == [
        people["reader"].username
    ]
    assert api(people["reader"]).get(f"/api/v1/posts/{pk}/").json()["readers"] == []
    rows = api(people["reader"]).get("/api/v1/posts/").json()["results"]
    assert [r["readers"] for r in rows if r["id"] == pk] == [[]]


# ---------------------------------------------------------------- edit and withdraw


def test_author_edits_title_body_and_tags(api, moderated):
    community, people = moderated
    post = PostFactory(
        community=community, author=people["member"], classification=Level.CONFIDENTIAL
    )
    response = api(people["member"]).patch(
        f"/api/v1/posts/{post.pk}/",
        {"title": "New", "body": "<p>new</p>", "tags": ["x"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "New"
    assert response.json()["body"] == "<p>new</p>"
    assert response.json()["tags"] == ["x"]
    assert response.json()["warnings"] == []
    post.refresh_from_db()
    assert post.title == "New"


def test_non_author_edit_and_withdraw_are_403(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["member"])
    for name in ("owner", "moderator"):
        client = api(people[name])
        assert (
            client.patch(f"/api/v1/posts/{post.pk}/", {"title": "Mine"}, format="json").status_code
            == 403
        )
        # 403 also with bad input: the permission comes first.
        assert (
            client.patch(f"/api/v1/posts/{post.pk}/", {"title": ""}, format="json").status_code
            == 403
        )
        assert client.delete(f"/api/v1/posts/{post.pk}/").status_code == 403
    post.refresh_from_db()
    assert (post.title, post.status) != ("Mine", Status.WITHDRAWN)
    assert post.status == Status.PUBLISHED


def test_put_is_not_allowed_on_posts(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["member"])
    assert (
        api(people["member"])
        .put(f"/api/v1/posts/{post.pk}/", {"title": "x"}, format="json")
        .status_code
        == 405
    )


@pytest.mark.parametrize(
    "change", [{"title": ""}, {"status": "hidden"}, {"classification": "nope"}, {"id": 5}]
)
def test_edit_with_bad_input_is_400_and_changes_nothing(api, moderated, change):
    community, people = moderated
    post = PostFactory(community=community, author=people["member"], title="Kept")
    response = api(people["member"]).patch(f"/api/v1/posts/{post.pk}/", change, format="json")
    assert response.status_code == 400
    assert set(change) <= set(response.json())
    post.refresh_from_db()
    assert (post.title, post.status, post.classification) == (
        "Kept",
        Status.PUBLISHED,
        Level.UNCLASSIFIED,
    )


def test_lowering_the_level_needs_a_reason_which_history_records(api, moderated):
    community, people = moderated
    client = api(people["member"])
    post = client.post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Plan",
            "classification": "confidential",
        },
        format="json",
    ).json()
    url = f"/api/v1/posts/{post['id']}/"

    response = client.patch(url, {"classification": "unclassified"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Post.objects.get(pk=post["id"]).classification == Level.CONFIDENTIAL

    response = client.patch(
        url, {"classification": "unclassified", "reason": "Published report"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["classification"] == "unclassified"

    history = client.get(f"{url}history/")
    assert history.status_code == 200
    [latest, created] = history.json()["results"]
    assert latest["reason"] == "Published report"
    assert latest["classification"] == "unclassified"
    assert latest["history_user"] == "member"
    assert latest["history_type"] == "~"
    assert created["history_type"] == "+"
    assert {
        "version",
        "title",
        "classification",
        "history_date",
        "history_user",
        "history_type",
        "reason",
    } <= set(latest)


def test_history_above_the_current_level_is_only_for_author_and_owners(api, moderated):
    community, people = moderated
    client = api(people["member"])
    post = client.post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Plan",
            "classification": "confidential",
        },
        format="json",
    ).json()
    client.patch(
        f"/api/v1/posts/{post['id']}/",
        {"classification": "unclassified", "reason": "ok"},
        format="json",
    )
    url = f"/api/v1/posts/{post['id']}/history/"
    assert len(api(people["owner"]).get(url).json()["results"]) == 2
    assert len(api(people["moderator"]).get(url).json()["results"]) == 1


def test_withdraw_is_204_and_then_the_post_is_gone_for_everyone(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["member"])
    assert api(people["member"]).delete(f"/api/v1/posts/{post.pk}/").status_code == 204
    post.refresh_from_db()
    assert post.status == Status.WITHDRAWN  # kept for records (SPEC §2.3)
    for name in ("member", "owner"):
        assert api(people[name]).get(f"/api/v1/posts/{post.pk}/").status_code == 404
        assert post.pk not in _ids(api(people[name]).get("/api/v1/posts/"))


# ---------------------------------------------------------------- likes


def test_like_and_unlike(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["owner"])
    member, moderator = api(people["member"]), api(people["moderator"])
    assert member.post(f"/api/v1/posts/{post.pk}/like/").json() == {"like_count": 1, "liked": True}
    assert member.post(f"/api/v1/posts/{post.pk}/like/").json() == {"like_count": 1, "liked": True}
    assert moderator.post(f"/api/v1/posts/{post.pk}/like/").json() == {
        "like_count": 2,
        "liked": True,
    }
    detail = member.get(f"/api/v1/posts/{post.pk}/").json()
    assert (detail["like_count"], detail["liked_by_me"]) == (2, True)
    likes = member.get(f"/api/v1/posts/{post.pk}/likes/").json()["results"]
    assert {row["username"] for row in likes} == {"member", "moderator"}
    assert member.delete(f"/api/v1/posts/{post.pk}/like/").json() == {
        "like_count": 1,
        "liked": False,
    }
    detail = member.get(f"/api/v1/posts/{post.pk}/").json()
    assert (detail["like_count"], detail["liked_by_me"]) == (1, False)


def test_like_in_an_archived_community_is_403(api, moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["owner"])
    community.is_archived = True
    community.save()
    assert api(people["member"]).post(f"/api/v1/posts/{post.pk}/like/").status_code == 403
    assert not Like.objects.exists()


# ---------------------------------------------------------------- sanitizing


XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    "<style>p { display: none }</style>",
    '<a href="jAvAsCrIpT:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<p onclick="alert(1)" onmouseover="alert(1)" onload="alert(1)">hi</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
    "</table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
]
FORBIDDEN_TEXT = (
    "<script",
    "onerror",
    "onload",
    "javascript:",
    "<svg",
    "<iframe",
    "<style",
    "<math",
)


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend(attrs)


def assert_safe(html):
    lowered = html.lower()
    for text in FORBIDDEN_TEXT:
        assert text not in lowered, (text, html)
    markup = _Markup()
    markup.feed(html)
    assert not markup.tags & {"script", "svg", "math", "style", "iframe", "noscript", "img"}, html
    for name, value in markup.attrs:
        assert not name.startswith("on"), html
        assert name != "style", html
        if name in ("href", "src"):
            assert (value or "").lower().startswith(("http:", "https:", "mailto:")), html


@pytest.mark.parametrize("body_format", ["html", "markdown"])
@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vectors_are_sanitized(api, user, vector, body_format):
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, user)
    client = api(user)
    response = client.post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Test",
            "body": vector,
            "body_format": body_format,
        },
        format="json",
    )
    assert response.status_code == 201
    assert_safe(response.json()["body"])
    assert_safe(client.get(f"/api/v1/posts/{response.json()['id']}/").json()["body"])
    edited = client.patch(
        f"/api/v1/posts/{response.json()['id']}/", {"body": f"<p>ok</p>{vector}"}, format="json"
    )
    assert edited.status_code == 200
    assert_safe(edited.json()["body"])


def test_links_get_rel_nofollow_noopener(api, user):
    community = CommunityFactory(visibility=Visibility.OPEN)
    add_member(community, user)
    response = api(user).post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "Link",
            "body": '<a href="https://un.org">UN</a>',
        },
        format="json",
    )
    assert 'rel="nofollow noopener"' in response.json()["body"]


# ---------------------------------------------------------------- auth


def test_token_authentication_works_on_posts(moderated):
    community, people = moderated
    post = PostFactory(community=community, author=people["owner"])
    _row, token = create_token(people["member"], "script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/v1/posts/{post.pk}/").status_code == 200
    response = client.post(
        "/api/v1/posts/",
        {
            "community": community.slug,
            "title": "By token",
            "classification": "unclassified",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["author"] == "member"


def test_anonymous_and_terms_not_accepted_are_refused(api, moderated, make_user):
    community, people = moderated
    post = PostFactory(community=community, author=people["owner"])
    assert api().get("/api/v1/posts/").status_code in (401, 403)
    newcomer = make_user(accepted_terms=False)
    add_member(community, newcomer)
    response = api(newcomer).get(f"/api/v1/posts/{post.pk}/")
    assert response.status_code == 403
    assert response.json()["code"] == "terms_not_accepted"


def test_non_numeric_post_id_is_a_json_404(api, user):
    response = api(user).get("/api/v1/posts/abc/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_schema_lists_the_content_routes(api, user):
    response = api(user).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/posts/",
        "/api/v1/posts/{id}/",
        "/api/v1/posts/{id}/like/",
        "/api/v1/posts/{id}/likes/",
        "/api/v1/posts/{id}/comments/",
        "/api/v1/posts/{id}/comments/{comment_id}/",
        "/api/v1/posts/{id}/history/",
        "/api/v1/communities/{slug}/wiki/",
        "/api/v1/communities/{slug}/wiki/{page}/",
        "/api/v1/communities/{slug}/wiki/{page}/history/",
        "/api/v1/communities/{slug}/wiki/{page}/revert/",
    ):
        assert path in paths, path
