"""Notifications in the JSON API: ``notifications/`` (SPEC §2.4, §6)."""

import pytest
from django.core.management import call_command

from notifications.models import Notification
from unisocial.classification import Level

from .test_inbox_page import _fill


def test_anonymous_is_refused(api, db):
    client = api()
    assert client.get("/api/v1/notifications/").status_code in (401, 403)
    assert client.post("/api/v1/notifications/read-all/").status_code in (401, 403)
    assert client.get("/api/v1/notifications/preferences/").status_code in (401, 403)


def test_list_shows_my_notifications_with_their_fields(
    api, alice, bob, moderated, post_in, notify_about
):
    post = post_in(moderated, bob, title="Quarterly figures")
    mine = notify_about(alice, post)
    notify_about(bob, post_in(moderated, alice))

    body = api(alice).get("/api/v1/notifications/").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row == {
        "id": mine.pk,
        "kind": "mention",
        "message": mine.message,
        "community": moderated.slug,
        "classification": "unclassified",
        "url": post.get_absolute_url(),
        "created_at": row["created_at"],
        "read": False,
    }
    assert "Quarterly figures" in row["message"]


def test_mark_read(api, alice, bob, moderated, post_in, notify_about):
    n = notify_about(alice, post_in(moderated, bob))
    response = api(alice).post(f"/api/v1/notifications/{n.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_persons_notification_is_404(api, alice, bob, moderated, post_in, notify_about):
    theirs = notify_about(bob, post_in(moderated, alice))
    response = api(alice).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert "detail" in response.json()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(api, alice, bob, moderated, post_in, notify_about):
    for _ in range(3):
        notify_about(alice, post_in(moderated, bob))
    bobs = notify_about(bob, post_in(moderated, alice))

    response = api(alice).post("/api/v1/notifications/read-all/")

    assert response.json() == {"updated": 3}
    assert [r["read"] for r in api(alice).get("/api/v1/notifications/").json()["results"]] == [
        True
    ] * 3
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_preferences_default_to_immediate_and_can_be_changed(api, alice):
    client = api(alice)
    assert client.get("/api/v1/notifications/preferences/").json() == {"email": "immediate"}
    for choice in ("daily", "off", "immediate"):
        response = client.put(
            "/api/v1/notifications/preferences/", {"email": choice}, format="json"
        )
        assert response.status_code == 200
        assert client.get("/api/v1/notifications/preferences/").json() == {"email": choice}


@pytest.mark.parametrize("payload", [{"email": "weekly"}, {}, {"email": "daily", "sms": "on"}])
def test_bad_preference_is_400(api, alice, payload):
    response = api(alice).put("/api/v1/notifications/preferences/", payload, format="json")
    assert response.status_code == 400
    assert api(alice).get("/api/v1/notifications/preferences/").json() == {"email": "immediate"}


def test_confidential_item_has_no_title_in_the_api(
    api, alice, bob, moderated, post_in, notify_about
):
    notify_about(
        alice, post_in(moderated, bob, title="Merger plans", classification=Level.CONFIDENTIAL)
    )
    row = api(alice).get("/api/v1/notifications/").json()["results"][0]
    assert "Merger" not in row["message"]
    assert row["classification"] == "confidential"
    assert moderated.name in row["message"]


@pytest.mark.parametrize("count", [5, 50])
def test_list_queries_do_not_grow_with_notifications(
    api, alice, count, django_assert_max_num_queries
):
    _fill(alice, count)
    client = api(alice)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert response.json()["count"] == count
    assert Notification.objects.filter(recipient=alice).count() == count


def test_schema_generates_without_warnings(db, tmp_path):
    out = str(tmp_path / "schema.yml")
    call_command(
        "spectacular",
        "--fail-on-warn",
        "--validate",
        "--file",
        out,
    )
    text = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/v1/notifications/:",
        "/api/v1/notifications/{id}/read/:",
        "/api/v1/notifications/read-all/:",
        "/api/v1/notifications/preferences/:",
    ):
        assert path in text, path
