"""The notifications page, /notifications/ (SPEC §2.4, §6)."""

import re

import pytest
from django.utils import timezone

from communities.models import Role
from notifications.models import Notification
from notifications.selectors import unread_count
from notifications.services import notify
from posts.models import Comment, WikiPage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_page_lists_only_my_notifications_newest_first(
    login, alice, bob, moderated, post_in, notify_about
):
    older = notify_about(alice, post_in(moderated, bob, title="First thing"))
    notify_about(alice, post_in(moderated, bob, title="Second thing"))
    notify_about(bob, post_in(moderated, alice, title="Bob's own thing"))
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )

    html = login(alice).get("/notifications/").content.decode()

    assert "Bob&#x27;s own thing" not in html and "Bob's own thing" not in html
    assert html.index("Second thing") < html.index("First thing")


def test_unread_is_marked_as_text(login, alice, bob, moderated, post_in, notify_about):
    notify_about(alice, post_in(moderated, bob, title="Read me"))
    html = login(alice).get("/notifications/").content.decode()
    assert re.search(r'class="status">Unread<', html)
    assert "1 unread" in html  # the header count


def test_mark_read_marks_one(login, alice, bob, moderated, post_in, notify_about):
    first = notify_about(alice, post_in(moderated, bob))
    second = notify_about(alice, post_in(moderated, bob))

    response = login(alice).post(f"/notifications/{first.pk}/read/")

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_read_needs_post(login, alice, bob, moderated, post_in, notify_about):
    n = notify_about(alice, post_in(moderated, bob))
    assert login(alice).get(f"/notifications/{n.pk}/read/").status_code == 405


def test_another_persons_notification_is_404(login, alice, bob, moderated, post_in, notify_about):
    theirs = notify_about(bob, post_in(moderated, alice))
    client = login(alice)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(login, alice, bob, moderated, post_in, notify_about):
    for _ in range(3):
        notify_about(alice, post_in(moderated, bob))
    bobs = notify_about(bob, post_in(moderated, alice))

    response = login(alice).post("/notifications/read-all/")

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.read_at is None
    assert "unread" not in login(alice).get("/notifications/").content.decode().split("<main")[0]


def test_following_a_notification_marks_it_read_and_goes_to_the_item(
    login, alice, bob, moderated, post_in, notify_about
):
    post = post_in(moderated, bob)
    n = notify_about(alice, post)

    response = login(alice).get(f"/notifications/{n.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    n.refresh_from_db()
    assert n.read_at is not None


def test_email_choice_is_saved_from_the_page(login, alice):
    client = login(alice)
    assert client.post("/notifications/preferences/", {"email": "daily"}).status_code == 302
    assert alice.notification_preference.email == "daily"
    client.post("/notifications/preferences/", {"email": "weekly"})
    alice.notification_preference.refresh_from_db()
    assert alice.notification_preference.email == "daily"


def test_header_count_is_one_query(
    alice, bob, moderated, post_in, notify_about, django_assert_num_queries
):
    for _ in range(3):
        notify_about(alice, post_in(moderated, bob))
    with django_assert_num_queries(1):
        assert unread_count(alice) == 3


def _fill(recipient, n):
    """``n`` notifications of every kind of target: posts, comments, wiki pages, membership news."""
    author = UserFactory()
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(community, recipient, Role.MEMBER)
    add_member(community, author, Role.OWNER)
    from tests.factories import PostFactory

    for i in range(n):
        post = PostFactory(community=community, author=author, classification=Level.CONFIDENTIAL)
        kind = i % 4
        if kind == 0:
            target = ("post", post.pk)
        elif kind == 1:
            comment = Comment.objects.create(post=post, author=author, body="<p>c</p>")
            target = ("comment", comment.pk)
        elif kind == 2:
            page = WikiPage.objects.create(
                community=community,
                slug=f"p{i}",
                title="Page",
                author=author,
                classification=Level.CONFIDENTIAL,
            )
            target = ("wiki", page.pk)
        else:
            target = None
        # Each names people (the actor; the appointed owner in data): their names are loaded
        # once for the page, whatever the number of notifications.
        notify(
            [recipient],
            kind="mention" if target else "membership_added",
            event="mention" if target else "owner_appointed",
            actor=author,
            data={} if target else {"user_id": UserFactory().pk},
            community=community,
            url="/posts/1/" if target else "",
            target=target,
            classification=Level.CONFIDENTIAL if target else Level.UNCLASSIFIED,
        )


@pytest.mark.parametrize("count", [5, 50])
def test_page_queries_do_not_grow_with_notifications(
    login, alice, count, django_assert_max_num_queries
):
    _fill(alice, count)
    client = login(alice)
    with django_assert_max_num_queries(11):
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.content.decode().count('class="card notification') == min(count, 20)
