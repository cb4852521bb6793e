"""SPEC §3: the owners' admin pages at /moderation/ — only their communities, never a strictly
confidential item for a moderator, bulk actions with a reason, a constant number of queries."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Role
from moderation.models import Flag, ModerationAction
from posts.models import AccessLog, Comment, WikiPage
from tests.factories import PostFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db

PAGES = [
    "/moderation/",
    "/moderation/queue/",
    "/moderation/moderation/moderatedpost/",
    "/moderation/moderation/moderatedcomment/",
    "/moderation/moderation/moderatedwikipage/",
    "/moderation/moderation/moderationaction/",
    "/moderation/moderation/moderatedpost/?status__exact=hidden&classification__exact=unclassified&reason=spam",
]


def flag(item, user, reason="spam", target_type="post"):
    community = item.post.community if target_type == "comment" else item.community
    return Flag.objects.create(target_type=target_type, target_id=item.pk, community=community, flagger=user,
                               reason=reason)


def test_owners_and_moderators_enter_without_staff_rights(cast, client):
    assert not cast["moderator"].is_staff
    client.force_login(cast["moderator"])
    assert client.get("/moderation/").status_code == 200
    assert client.get("/moderation/queue/").status_code == 200


@pytest.mark.parametrize("who", ["reader1", "outsider", "boss"])
def test_others_are_sent_to_the_login_page(cast, client, who):
    client.force_login(cast[who])
    response = client.get("/moderation/")
    assert response.status_code == 302 and "/moderation/login/" in response["Location"]
    assert client.get("/moderation/moderation/moderatedpost/").status_code == 302


def test_a_moderator_of_a_sees_nothing_of_b(cast, post_in, client):
    post_a = post_in(title="Alpha item")
    post_b = post_in(community="b", title="Bravo item")
    flag(post_a, cast["reader1"])
    flag(post_b, cast["author"])
    page_b = WikiPage.objects.create(community=cast["b"], slug="w", title="Bravo wiki",
                                     classification="unclassified", author=cast["author"])
    comment_b = Comment.objects.create(post=post_b, author=cast["author"], body="<p>Bravo comment</p>")
    ModerationAction.objects.create(actor=cast["mod_b"], action="hide", target_type="post", target_id=post_b.pk,
                                    community=cast["b"], reason="Bravo reason")
    client.force_login(cast["moderator"])
    for url in PAGES:
        html = client.get(url).content.decode()
        assert "Bravo" not in html and "Community B" not in html, url
    assert "Alpha item" in client.get("/moderation/queue/").content.decode()
    assert "Alpha item" in client.get("/moderation/moderation/moderatedpost/").content.decode()
    for url in (f"/moderation/moderation/moderatedpost/{post_b.pk}/change/",
                f"/moderation/moderation/moderatedwikipage/{page_b.pk}/change/",
                f"/moderation/moderation/moderatedcomment/{comment_b.pk}/change/"):
        assert client.get(url).status_code == 404, url
    # Nor can a forged bulk action reach B's items.
    client.post("/moderation/queue/", {"selected": [f"post:{post_b.pk}"], "action": "hide", "reason": "x"})
    post_b.refresh_from_db()
    assert post_b.status == "published"


def test_a_moderator_never_sees_a_strictly_confidential_item(cast, post_in, client):
    secret = post_in(title="Secret item", classification="strictly_confidential")
    flag(secret, cast["author"], reason="confidentiality")
    ModerationAction.objects.create(actor=cast["owner"], action="dismiss", target_type="post", target_id=secret.pk,
                                    community=cast["a"], reason="Secret reason")
    client.force_login(cast["moderator"])
    for url in PAGES:
        html = client.get(url).content.decode()
        assert "Secret" not in html, url
    assert client.get(f"/moderation/moderation/moderatedpost/{secret.pk}/change/").status_code == 404
    # The owner sees it, and the view is logged (SPEC §2.2).
    client.force_login(cast["owner"])
    assert "Secret item" in client.get("/moderation/queue/").content.decode()
    assert "Secret reason" in client.get("/moderation/moderation/moderationaction/").content.decode()
    assert client.get(f"/moderation/moderation/moderatedpost/{secret.pk}/change/").status_code == 200
    assert AccessLog.objects.filter(user=cast["owner"], target_id=secret.pk, via="admin").exists()


def test_the_queue_groups_by_item_oldest_first_with_counts_by_reason(cast, post_in, client):
    older, newer = post_in(title="Older item"), post_in(title="Newer item")
    flag(older, cast["reader1"], "spam")
    flag(newer, cast["reader1"], "harassment")
    flag(older, cast["reader2"], "off_topic")
    pending = post_in(title="Pending item", status="pending")
    client.force_login(cast["owner"])
    response = client.get("/moderation/queue/")
    entries = response.context["entries"]
    assert [e.item.pk for e in entries] == [older.pk, newer.pk, pending.pk]
    assert entries[0].total == 2 and entries[0].counts["spam"] == 1 and entries[0].counts["off_topic"] == 1
    assert entries[2].is_pending
    html = response.content.decode()
    assert "Spam (1)" in html and "Awaiting approval" in html


def test_bulk_actions_in_the_queue(cast, post_in, client):
    posts = [post_in() for _ in range(2)]
    for p in posts:
        flag(p, cast["reader1"])
    client.force_login(cast["moderator"])
    response = client.post(
        "/moderation/queue/", {"selected": [f"post:{p.pk}" for p in posts], "action": "dismiss", "reason": ""},
        follow=True,
    )
    assert "done for 2 item(s)" in response.content.decode()
    assert not Flag.objects.filter(state="open").exists()
    assert ModerationAction.objects.filter(action="dismiss").count() == 2


def test_admin_actions_ask_for_a_reason_first(cast, post_in, client):
    posts = [post_in(title=f"Item {i}") for i in range(2)]
    client.force_login(cast["moderator"])
    data = {"action": "hide_selected", "_selected_action": [p.pk for p in posts], "index": "0"}
    page = client.post("/moderation/moderation/moderatedpost/", data)
    assert page.status_code == 200 and "give a reason" in page.content.decode()
    assert not ModerationAction.objects.exists()
    client.post("/moderation/moderation/moderatedpost/", {**data, "apply": "1", "reason": ""})
    assert not ModerationAction.objects.exists()  # hide needs a reason
    client.post("/moderation/moderation/moderatedpost/", {**data, "apply": "1", "reason": "Spam wave"})
    assert list(ModerationAction.objects.values_list("action", "reason")) == [("hide", "Spam wave")] * 2
    for p in posts:
        p.refresh_from_db()
        assert p.status == "hidden"


def test_items_cannot_be_added_changed_or_deleted_here(cast, post_in, client):
    post = post_in()
    client.force_login(cast["owner"])
    base = f"/moderation/moderation/moderatedpost/{post.pk}"
    assert client.get(f"{base}/change/").status_code == 200
    assert client.post(f"{base}/change/", {"title": "x"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/moderation/moderation/moderatedpost/add/").status_code == 403


def _fill(cast, n):
    """n flags from n people over n items (posts, comments, wiki pages), plus log rows and pending posts."""
    people = UserFactory.create_batch(n)
    for person in people:
        add_member(cast["a"], person, Role.MEMBER)
    for i, person in enumerate(people):
        post = PostFactory(community=cast["a"], author=cast["author"], status="pending" if i % 5 == 0 else "published")
        flag(post, person, ["spam", "harassment", "other"][i % 3])
        comment = Comment.objects.create(post=post, author=person, body="<p>c</p>")
        flag(comment, cast["reader1"], "off_topic", target_type="comment")
        page = WikiPage.objects.create(community=cast["a"], slug=f"w{n}-{i}", title=f"W{i}",
                                       classification="unclassified", author=person)
        flag(page, cast["reader2"], target_type="wiki")
        ModerationAction.objects.create(actor=cast["owner"], action="dismiss", target_type="post",
                                        target_id=post.pk, community=cast["a"], reason="r")


@pytest.mark.parametrize("url", PAGES)
def test_each_page_issues_a_constant_number_of_queries(cast, client, url, django_assert_max_num_queries):
    client.force_login(cast["owner"])
    client.get(url)  # the session's first idle-timeout refresh is written once, not per request
    counts = []
    for n in (5, 45):  # 5 and then 50 items of each kind
        _fill(cast, n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], (url, counts)
    with django_assert_max_num_queries(20):
        client.get(url)
