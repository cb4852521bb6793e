"""``posts/{id}/comments/`` and ``posts/{id}/comments/{comment_id}/`` (SPEC §2.2–2.4, §6)."""

import pytest

from communities.models import Role
from notifications.models import Notification
from posts.models import AccessLog, Comment
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member, grant_reader
from unisocial.classification import Level, Status, Visibility

from .test_posts import XSS_VECTORS, assert_safe

COMMENT_FIELDS = {"id", "post", "parent", "author", "body", "status", "created_at", "updated_at"}


@pytest.fixture
def moderated(db):
    community = CommunityFactory(visibility=Visibility.MODERATED)
    people = {
        name: UserFactory(username=name) for name in ("owner", "moderator", "member", "outsider")
    }
    add_member(community, people["owner"], Role.OWNER)
    add_member(community, people["moderator"], Role.MODERATOR)
    add_member(community, people["member"], Role.MEMBER)
    post = PostFactory(
        community=community, author=people["owner"], classification=Level.CONFIDENTIAL
    )
    return community, people, post


def _url(post, comment=None):
    base = f"/api/v1/posts/{post.pk}/comments/"
    return f"{base}{comment.pk}/" if comment else base


def _comment(post, author, **kwargs):
    return Comment.objects.create(
        post=post, author=author, body="<p>hi</p>", body_source="hi", **kwargs
    )


def test_outsider_gets_404_on_the_comments_of_a_moderated_community(api, moderated):
    community, people, post = moderated
    comment = _comment(post, people["member"])
    client = api(people["outsider"])
    assert client.get(_url(post)).status_code == 404
    assert client.post(_url(post), {"body": "let me in"}, format="json").status_code == 404
    assert client.patch(_url(post, comment), {"body": "x"}, format="json").status_code == 404
    assert client.delete(_url(post, comment)).status_code == 404
    assert Comment.objects.count() == 1


def test_comments_of_a_strictly_confidential_post_are_404_to_a_moderator(api, make_user):
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    owner, moderator, author, reader = (make_user() for _ in range(4))
    add_member(community, owner, Role.OWNER)
    add_member(community, moderator, Role.MODERATOR)
    add_member(community, author)
    add_member(community, reader)
    post = PostFactory(
        community=community, author=author, classification=Level.STRICTLY_CONFIDENTIAL
    )
    grant_reader(post, reader)
    _comment(post, reader)
    assert api(moderator).get(_url(post)).status_code == 404
    response = api(reader).get(_url(post))
    assert response.status_code == 200
    assert response.json()["count"] == 1
    # Reading the comments of a strictly confidential post is a logged view.
    assert AccessLog.objects.filter(
        user=reader, target_type="post", target_id=post.pk, via="api"
    ).exists()


def test_list_shows_visible_comments_oldest_first(api, moderated):
    community, people, post = moderated
    first = _comment(post, people["member"])
    second = _comment(post, people["owner"])
    _comment(post, people["owner"], status=Status.WITHDRAWN)
    hidden = _comment(post, people["owner"], status=Status.HIDDEN)
    response = api(people["member"]).get(_url(post))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [first.pk, second.pk]
    assert COMMENT_FIELDS <= set(rows[0])
    assert rows[0]["author"] == "member"
    assert rows[0]["post"] == post.pk
    # comment_count on the post counts the visible comments only.
    assert api(people["member"]).get(f"/api/v1/posts/{post.pk}/").json()["comment_count"] == 2
    # The moderator also sees the hidden one.
    assert hidden.pk in [
        r["id"] for r in api(people["moderator"]).get(_url(post)).json()["results"]
    ]
    assert api(people["moderator"]).get(f"/api/v1/posts/{post.pk}/").json()["comment_count"] == 3


def test_member_comments_and_replies(api, moderated, django_capture_on_commit_callbacks):
    community, people, post = moderated
    client = api(people["member"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(post), {"body": "First thoughts"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert COMMENT_FIELDS | {"warnings"} <= set(body)
    assert (body["author"], body["parent"], body["status"], body["warnings"]) == (
        "member",
        None,
        "published",
        [],
    )
    assert body["body"] == "<p>First thoughts</p>"
    # The post's author is told, without the title of a confidential post (SPEC §2.4).
    [note] = Notification.objects.filter(recipient=people["owner"])
    assert post.title not in note.message

    reply = api(people["moderator"]).post(
        _url(post), {"body": "Agreed", "parent": body["id"]}, format="json"
    )
    assert reply.status_code == 201
    assert reply.json()["parent"] == body["id"]
    # Threads are one level deep: a reply to a reply hangs under the first comment.
    nested = client.post(
        _url(post), {"body": "Thanks", "parent": reply.json()["id"]}, format="json"
    )
    assert nested.json()["parent"] == body["id"]


def test_reply_to_a_comment_of_another_post_is_400(api, moderated):
    community, people, post = moderated
    other = PostFactory(
        community=community, author=people["owner"], classification=Level.CONFIDENTIAL
    )
    foreign = _comment(other, people["owner"])
    withdrawn = _comment(post, people["owner"], status=Status.WITHDRAWN)
    client = api(people["member"])
    for parent in (foreign.pk, withdrawn.pk, 999999):
        response = client.post(_url(post), {"body": "x", "parent": parent}, format="json")
        assert response.status_code == 400
        assert "parent" in response.json()
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 10001}, {"body": "x", "author": "owner"}],
)
def test_bad_comment_input_is_400_and_creates_nothing(api, moderated, data):
    community, people, post = moderated
    response = api(people["member"]).post(_url(post), data, format="json")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_non_member_of_an_open_community_cannot_comment(api, user, make_user):
    community = CommunityFactory(visibility=Visibility.OPEN)
    post = PostFactory(community=community)
    assert api(user).get(_url(post)).status_code == 200
    assert api(user).post(_url(post), {"body": "hi"}, format="json").status_code == 403
    assert not Comment.objects.exists()


def test_no_comments_on_a_pending_post(api, moderated):
    community, people, post = moderated
    pending = PostFactory(community=community, author=people["member"], status=Status.PENDING)
    response = api(people["member"]).post(_url(pending), {"body": "hi"}, format="json")
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_no_comments_in_an_archived_community(api, moderated):
    community, people, post = moderated
    community.is_archived = True
    community.save()
    assert api(people["member"]).get(_url(post)).status_code == 200
    assert api(people["member"]).post(_url(post), {"body": "hi"}, format="json").status_code == 403
    assert not Comment.objects.exists()


def test_mentioning_someone_who_cannot_see_warns(
    api, moderated, django_capture_on_commit_callbacks
):
    community, people, post = moderated
    with django_capture_on_commit_callbacks(execute=True):
        response = api(people["member"]).post(
            _url(post), {"body": "@outsider @moderator have a look"}, format="json"
        )
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert "outsider" in warning
    assert not Notification.objects.filter(recipient=people["outsider"]).exists()
    assert Notification.objects.filter(recipient=people["moderator"], kind="mention").exists()


def test_author_edits_and_withdraws_a_comment(api, moderated):
    community, people, post = moderated
    comment = _comment(post, people["member"])
    client = api(people["member"])
    response = client.patch(_url(post, comment), {"body": "Edited"}, format="json")
    assert response.status_code == 200
    assert response.json()["body"] == "<p>Edited</p>"
    comment.refresh_from_db()
    assert comment.body_source == "Edited"
    assert comment.history.count() == 2

    assert client.delete(_url(post, comment)).status_code == 204
    comment.refresh_from_db()
    assert comment.status == Status.WITHDRAWN
    assert client.get(_url(post)).json()["count"] == 0
    assert client.patch(_url(post, comment), {"body": "again"}, format="json").status_code == 404


def test_others_cannot_edit_or_withdraw_a_comment(api, moderated):
    community, people, post = moderated
    comment = _comment(post, people["member"])
    for name in ("owner", "moderator"):
        client = api(people[name])
        assert client.patch(_url(post, comment), {"body": "Mine"}, format="json").status_code == 403
        assert client.patch(_url(post, comment), {"body": ""}, format="json").status_code == 403
        assert client.delete(_url(post, comment)).status_code == 403
    comment.refresh_from_db()
    assert (comment.body_source, comment.status) == ("hi", Status.PUBLISHED)


def test_edit_with_bad_input_is_400(api, moderated):
    community, people, post = moderated
    comment = _comment(post, people["member"])
    for data in ({"body": ""}, {"body": "ok", "post": 3}):
        assert (
            api(people["member"]).patch(_url(post, comment), data, format="json").status_code == 400
        )
    comment.refresh_from_db()
    assert comment.body_source == "hi"


def test_comment_under_the_wrong_post_is_404(api, moderated):
    community, people, post = moderated
    other = PostFactory(
        community=community, author=people["owner"], classification=Level.CONFIDENTIAL
    )
    comment = _comment(other, people["member"])
    assert (
        api(people["member"]).patch(_url(post, comment), {"body": "x"}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_in_comments_is_neutralised(api, moderated, vector):
    community, people, post = moderated
    response = api(people["member"]).post(_url(post), {"body": vector}, format="json")
    if response.status_code == 400:  # nothing left to say once the markup is stripped
        return
    assert response.status_code == 201
    assert_safe(response.json()["body"])


def test_list_query_count_is_constant(api, moderated, django_assert_max_num_queries):
    community, people, post = moderated
    client = api(people["member"])
    authors = [people["owner"], people["moderator"], people["member"]]

    def seed(n):
        for i in range(n):
            _comment(post, authors[i % 3])

    seed(5)
    with django_assert_max_num_queries(7) as five:
        assert client.get(_url(post)).status_code == 200
    seed(45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(f"{_url(post)}?page_size=50")
    assert len(response.json()["results"]) == 50
