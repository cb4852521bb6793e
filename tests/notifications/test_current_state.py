"""A notification is shown from its item's state when it is read (SPEC §2.4, §7): after the
item's level changes, its marking and its words agree — the current level, the current title
while it is unclassified, never the level stored at sending time — on the page, in the API and
in the e-mail, in the reader's language, at a constant number of queries."""

import pytest
from django.core import mail
from django.utils import translation

from notifications.models import Notification
from notifications.selectors import visible_notifications
from notifications.tasks import send_notification_email_task
from posts import services
from posts.models import Comment
from unisocial.classification import Level

STALE = "a Confidential item"


@pytest.fixture
def lowered(alice, bob, moderated, post_in, notify_about):
    """Bob's confidential post: alice was told while it was confidential, then bob lowered it."""
    post = post_in(moderated, bob, title="Canteen menu", classification=Level.CONFIDENTIAL)
    n = notify_about(alice, post)
    assert STALE in n.message and "Canteen" not in n.message
    services.item_reclassify(actor=bob, item=post, classification=Level.UNCLASSIFIED, reason="Public now")
    return post, n


def test_the_inbox_shows_the_current_level_and_title_after_a_lowering(alice, lowered, login):
    html = login(alice).get("/notifications/").content.decode()
    row = html.split('class="card notification', 1)[1].split("</li>", 1)[0]
    assert "badge--unclassified" in row and "badge--confidential" not in row
    assert STALE not in row
    assert "Canteen menu" in row and "Budget team" in row


def test_the_title_is_the_items_title_now(alice, bob, lowered, login):
    post, _n = lowered
    services.post_update(actor=bob, post=post, title="Canteen menu, week 2")
    html = login(alice).get("/notifications/").content.decode()
    assert "Canteen menu, week 2" in html


def test_the_api_and_the_email_agree_with_the_page(alice, lowered, api):
    _post, n = lowered
    row = api(alice).get("/api/v1/notifications/").json()["results"][0]
    assert row["classification"] == "unclassified"
    assert STALE not in row["message"] and "Canteen menu" in row["message"]
    assert send_notification_email_task(n.pk) is True
    sent = mail.outbox[-1]
    assert STALE not in sent.subject + sent.body and "Canteen menu" in sent.body


def test_a_comment_notification_speaks_of_its_posts_current_state(alice, bob, moderated, post_in, notify_about, login):
    post = post_in(moderated, alice, title="Roster", classification=Level.CONFIDENTIAL)
    comment = Comment.objects.create(post=post, author=bob, body="<p>Me too</p>")
    notify_about(alice, comment, kind="comment", actor=bob)
    services.item_reclassify(actor=alice, item=post, classification=Level.UNCLASSIFIED, reason="Public now")
    html = login(alice).get("/notifications/").content.decode()
    assert "“Roster”" in html and STALE not in html


def test_an_unchanged_level_keeps_the_message_as_written(alice, bob, moderated, post_in, notify_about):
    post = post_in(moderated, bob, title="Plans", classification=Level.CONFIDENTIAL)
    n = notify_about(alice, post)
    shown = visible_notifications(alice).get(pk=n.pk)
    assert shown.display_message == n.message


def test_a_raise_after_a_lowering_hides_the_title_again(alice, bob, lowered, login):
    post, _n = lowered
    services.item_reclassify(actor=bob, item=post, classification=Level.CONFIDENTIAL)
    html = login(alice).get("/notifications/").content.decode()
    assert "Canteen" not in html and "badge--confidential" in html


def test_it_is_rendered_in_the_readers_language(alice, lowered):
    _post, n = lowered
    with translation.override("fr"):
        shown = visible_notifications(alice).get(pk=n.pk)
        text = shown.display_message
    assert text.startswith(f"{n.actor} vous a mentionné") and "« Canteen menu » dans Budget team" in text


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_of_lowered_items_costs_the_same_for_3_as_for_30(
    alice, bob, moderated, post_in, notify_about, login, count, django_assert_max_num_queries
):
    for i in range(count):
        post = post_in(moderated, bob, title=f"Item {i}", classification=Level.CONFIDENTIAL)
        notify_about(alice, post)
        services.item_reclassify(actor=bob, item=post, classification=Level.UNCLASSIFIED, reason="Public")
    client = login(alice)
    client.get("/")  # the first request after signing in refreshes the session
    with django_assert_max_num_queries(12):
        html = client.get("/notifications/").content.decode()
    assert html.count("badge--unclassified") >= min(count, 20)
    assert Notification.objects.filter(recipient=alice).count() == count
