"""What the access rule hides is absent from the notifications page, the count, the API
and the e-mails — checked when they are read or sent, not when written (SPEC §2.2, §2.4)."""

import pytest
from django.core import mail

from communities import services as community_services
from notifications import unread
from notifications.models import Notification, NotificationPreference
from notifications.selectors import unread_count, visible_notifications
from notifications.tasks import send_daily_digest_task, send_notification_email_task
from posts import services
from tests.factories import UserFactory
from unisocial.classification import Level


def _everywhere(client_html, client_api, user):
    """How many of ``user``'s notifications each surface shows."""
    page = client_html.get("/notifications/").content.decode()
    return {
        "page": page.count('class="card notification'),
        "count": unread_count(user),
        "api": client_api.get("/api/v1/notifications/").json()["count"],
    }


@pytest.fixture
def surfaces(login, api):
    def check(user):
        return _everywhere(login(user), api(user), user)

    return check


def test_withdrawn_post_disappears_from_list_count_and_email(
    alice, bob, moderated, post_in, surfaces, django_capture_on_commit_callbacks
):
    post = post_in(moderated, bob, title="Draft idea")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.comment_create(actor=alice, post=post, body="nice")
    # The first of the app's callbacks (not the unread count's cache moves, notifications/unread.py):
    [c for c in queued if not isinstance(c, unread._Move)][0]()  # the notification is written...
    n = Notification.objects.get(recipient=bob)
    assert surfaces(bob) == {"page": 1, "count": 1, "api": 1}

    services.post_withdraw(actor=bob, post=post)  # ...then the author withdraws the post

    assert surfaces(bob) == {"page": 0, "count": 0, "api": 0}
    assert send_notification_email_task(n.pk) is False
    assert mail.outbox == []
    assert login_open_is_404(bob, n)


def login_open_is_404(user, notification):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return (
        client.get(f"/notifications/{notification.pk}/open/").status_code == 404
        and client.post(f"/notifications/{notification.pk}/read/").status_code == 404
    )


def test_recipient_removed_from_the_community_no_longer_hears_of_its_items(
    alice, bob, moderated, post_in, surfaces, notify_about
):
    n = notify_about(
        bob, post_in(moderated, alice, title="Budget lines", classification=Level.CONFIDENTIAL)
    )
    assert surfaces(bob)["count"] == 1

    community_services.member_remove(actor=alice, community=moderated, user=bob)

    # Only the membership-ended notice remains.
    assert surfaces(bob) == {"page": 1, "count": 1, "api": 1}
    assert [x.kind for x in visible_notifications(bob)] == ["membership_removed"]
    assert send_notification_email_task(n.pk) is False
    assert not any("Budget lines" in m.body for m in mail.outbox)


def test_removed_recipient_gets_no_digest_of_those_items(
    alice, bob, moderated, post_in, notify_about
):
    NotificationPreference.objects.create(user=bob, email="daily")
    notify_about(
        bob, post_in(moderated, alice, title="Budget lines", classification=Level.CONFIDENTIAL)
    )
    community_services.member_remove(actor=alice, community=moderated, user=bob)
    send_daily_digest_task()
    assert len(mail.outbox) == 1
    assert "Budget lines" not in mail.outbox[0].body
    assert "1 unread notification" in mail.outbox[0].subject  # the membership notice only


def test_withdrawn_comment_disappears(
    alice, bob, moderated, post_in, surfaces, django_capture_on_commit_callbacks
):
    post = post_in(moderated, bob)
    with django_capture_on_commit_callbacks(execute=True):
        comment, _ = services.comment_create(actor=alice, post=post, body="oops")
    assert surfaces(bob)["count"] == 1
    services.comment_withdraw(actor=alice, comment=comment)
    assert surfaces(bob) == {"page": 0, "count": 0, "api": 0}


def test_mention_of_a_non_member_creates_no_notification_and_warns(
    alice, bob, moderated, django_capture_on_commit_callbacks
):
    outsider = UserFactory(username="outsider")
    with django_capture_on_commit_callbacks(execute=True):
        _post, warnings = services.post_create(
            actor=alice,
            community=moderated,
            title="Plans",
            body="<p>@bob and @outsider</p>",
            classification=Level.CONFIDENTIAL,
        )
    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert any("outsider" in w for w in warnings)
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert "Plans" not in mail.outbox[0].subject + mail.outbox[0].body


def test_item_raised_above_unclassified_loses_its_title_everywhere(
    alice, bob, moderated, post_in, notify_about, login, api
):
    post = post_in(moderated, bob, title="Canteen menu")
    n = notify_about(alice, post)
    assert "Canteen menu" in n.message

    services.item_reclassify(actor=bob, item=post, classification=Level.CONFIDENTIAL)

    page = login(alice).get("/notifications/").content.decode()
    assert "Canteen" not in page
    assert "Confidential" in page
    row = api(alice).get("/api/v1/notifications/").json()["results"][0]
    assert "Canteen" not in row["message"]
    assert row["classification"] == "confidential"
    assert send_notification_email_task(n.pk) is True
    assert "Canteen" not in mail.outbox[0].subject + mail.outbox[0].body
    assert "[Confidential]" in mail.outbox[0].subject
