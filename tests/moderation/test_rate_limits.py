"""SPEC §3 (rate limits): one account cannot flood a queue — flags and posts per person per hour, a clear 429."""
from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.models import Flag
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_a_flood_of_reports_is_refused_with_429(cast, api, settings):
    settings.FLAG_RATE_PER_HOUR = 3
    posts = PostFactory.create_batch(4, community=cast["open"], author=cast["author"])
    client = api(cast["reader1"])
    codes = [
        client.post("/api/v1/flags/", {"target_type": "post", "target_id": p.pk, "reason": "spam"}).status_code
        for p in posts
    ]
    assert codes == [201, 201, 201, 429]
    last = client.post("/api/v1/flags/", {"target_type": "post", "target_id": posts[3].pk, "reason": "spam"})
    assert "too many reports" in last.json()["detail"]
    assert last.json()["code"] == "throttled"
    assert "Retry-After" in last.headers
    assert Flag.objects.count() == 3


def test_reports_older_than_an_hour_do_not_count(cast, api, settings):
    settings.FLAG_RATE_PER_HOUR = 1
    old, new = PostFactory.create_batch(2, community=cast["open"], author=cast["author"])
    Flag.objects.create(target_type="post", target_id=old.pk, community=cast["open"], flagger=cast["reader1"],
                        reason="spam", created_at=timezone.now() - timedelta(hours=2))
    response = api(cast["reader1"]).post("/api/v1/flags/", {"target_type": "post", "target_id": new.pk,
                                                             "reason": "spam"})
    assert response.status_code == 201


def test_a_flood_of_reports_in_the_browser_gets_a_clear_message(cast, client, settings):
    settings.FLAG_RATE_PER_HOUR = 1
    first, second = PostFactory.create_batch(2, community=cast["open"], author=cast["author"])
    client.force_login(cast["reader1"])
    client.post(f"/moderation/report/post/{first.pk}/", {"reason": "spam"})
    response = client.post(f"/moderation/report/post/{second.pk}/", {"reason": "spam"}, follow=True)
    assert "too many reports" in response.content.decode()


def test_a_flood_of_posts_is_refused_with_429(cast, api, settings):
    settings.POST_RATE_PER_HOUR = 2
    client = api(cast["author"])
    codes = [
        client.post("/api/v1/posts/", {"community": "open", "title": f"P{i}", "body": "x"}, format="json").status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    response = client.post("/api/v1/posts/", {"community": "open", "title": "P", "body": "x"}, format="json")
    assert "posted too often" in response.json()["detail"]


def test_a_flood_of_posts_in_the_browser_gets_a_clear_message(cast, client, settings):
    settings.POST_RATE_PER_HOUR = 1
    client.force_login(cast["author"])
    data = {"title": "One", "body": "x", "body_format": "markdown", "classification": "unclassified"}
    client.post("/posts/new/?community=open", data)
    response = client.post("/posts/new/?community=open", {**data, "title": "Two"}, follow=True)
    assert "posted too often" in response.content.decode()
