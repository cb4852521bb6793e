"""Notification e-mails: immediate, daily digest or off, decided when the task runs (SPEC §2.4)."""

import pytest
from django.core import mail

from communities import services as community_services
from notifications.models import Notification, NotificationPreference
from notifications.tasks import send_daily_digest_task, send_notification_email_task
from posts import services
from tests.factories import UserFactory, grant_reader
from unisocial.classification import Level, Visibility


def _prefer(user, email):
    NotificationPreference.objects.update_or_create(user=user, defaults={"email": email})


def test_immediate_is_the_default_and_sends_after_commit(
    alice, bob, moderated, post_in, django_capture_on_commit_callbacks
):
    post = post_in(moderated, alice, title="Travel policy")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=bob, post=post, body="Looks good")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert "[Unclassified]" in message.subject
    assert "bob commented on your post" in message.body
    assert "Travel policy" in message.body
    assert "/notifications/" in message.body


def test_nothing_is_sent_before_commit(
    alice, bob, moderated, post_in, django_capture_on_commit_callbacks
):
    post = post_in(moderated, alice)
    with django_capture_on_commit_callbacks(execute=False):
        services.comment_create(actor=bob, post=post, body="Hi")
    assert mail.outbox == []


def test_sending_twice_sends_once(alice, bob, moderated, post_in, notify_about):
    n = notify_about(alice, post_in(moderated, bob))
    assert send_notification_email_task(n.pk) is True
    assert send_notification_email_task(n.pk) is False
    assert len(mail.outbox) == 1


def test_membership_news_is_emailed(alice, moderated, django_capture_on_commit_callbacks):
    newcomer = UserFactory(username="carol")
    with django_capture_on_commit_callbacks(execute=True):
        community_services.community_join(actor=newcomer, community=moderated)
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert "carol asks to join" in mail.outbox[0].body


def test_daily_sends_nothing_at_once_then_one_digest(
    alice, bob, moderated, post_in, django_capture_on_commit_callbacks
):
    _prefer(alice, "daily")
    first = post_in(moderated, alice, title="Alpha")
    second = post_in(moderated, alice, title="Beta")
    already_read = post_in(moderated, alice, title="Gamma")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=bob, post=first, body="one")
        services.comment_create(actor=bob, post=second, body="two")
        services.comment_create(actor=bob, post=already_read, body="three")
    assert mail.outbox == []
    Notification.objects.filter(target_type="comment", target_id__in=already_read.comments.values("pk")).update(
        read_at=first.created_at
    )

    assert send_daily_digest_task() == {"sent": 1}

    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [alice.email]
    assert "2 unread notifications" in digest.subject
    assert "Alpha" in digest.body and "Beta" in digest.body
    assert "Gamma" not in digest.body

    # Safe to run twice: nothing new since the last digest, no second e-mail.
    assert send_daily_digest_task() == {"sent": 0}
    assert len(mail.outbox) == 1


def test_digest_lists_only_what_came_after_the_last_one(
    alice, bob, moderated, post_in, notify_about
):
    _prefer(alice, "daily")
    notify_about(alice, post_in(moderated, bob, title="Before"))
    send_daily_digest_task()
    notify_about(alice, post_in(moderated, bob, title="After"))
    send_daily_digest_task()
    assert len(mail.outbox) == 2
    assert "After" in mail.outbox[1].body
    assert "Before" not in mail.outbox[1].body


def test_off_sends_nothing(alice, bob, moderated, post_in, django_capture_on_commit_callbacks):
    _prefer(alice, "off")
    post = post_in(moderated, alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=bob, post=post, body="Hi")
    send_daily_digest_task()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=alice).count() == 1  # still on the page


def test_switching_to_daily_after_queueing_sends_no_immediate_email(
    alice, bob, moderated, post_in, django_capture_on_commit_callbacks
):
    post = post_in(moderated, alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_create(actor=bob, post=post, body="Hi")
    for callback in callbacks:  # notify_item: writes the row and queues the e-mail
        callback()
    _prefer(alice, "daily")
    n = Notification.objects.get(recipient=alice)
    assert send_notification_email_task(n.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize("level", [Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL])
def test_confidential_item_email_has_no_title_or_body(
    alice, bob, post_in, make_community, member, level, django_capture_on_commit_callbacks
):
    community = make_community(owner=alice, visibility=Visibility.RESTRICTED, name="Audit unit")
    member(community, bob)
    post = post_in(
        community,
        alice,
        title="Zebra acquisition",
        body="<p>Quokka numbers</p>",
        classification=level,
    )
    if level == Level.STRICTLY_CONFIDENTIAL:
        grant_reader(post, bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=bob, post=post, body="Quokka remark")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    text = message.subject + message.body
    for secret in ("Zebra", "acquisition", "Quokka"):
        assert secret not in text
    label = Level(level).label
    assert f"[{label}]" in message.subject
    assert f"Classification: {label}" in message.body
    assert "Audit unit" in message.body
    assert f"/notifications/{Notification.objects.get(recipient=alice).pk}/open/" in message.body
    notification = Notification.objects.get(recipient=alice)
    assert "Zebra" not in notification.message and "Quokka" not in notification.message


def test_confidential_item_digest_has_no_title(alice, bob, moderated, post_in, notify_about):
    _prefer(alice, "daily")
    notify_about(
        alice, post_in(moderated, bob, title="Zebra acquisition", classification=Level.CONFIDENTIAL)
    )
    send_daily_digest_task()
    assert "Zebra" not in mail.outbox[0].subject + mail.outbox[0].body
    assert "[Confidential]" in mail.outbox[0].body
