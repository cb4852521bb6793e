"""API tokens (SPEC §7): hashed at rest, expiring, shown once, created, listed and revoked by their
owner only, in the browser and the API (django-rest-knox)."""
from datetime import timedelta

import pytest
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from unisocial.models import ApiToken
from unisocial.tokens import create_token

pytestmark = pytest.mark.django_db


def token_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_stored_as_a_hash_with_an_expiry():
    user = UserFactory()
    row, token = create_token(user, "report script", 7)
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.digest == hash_token(token) and token not in stored.digest
    assert not ApiToken.objects.filter(digest=token).exists()
    assert timedelta(days=6, hours=23) < stored.expiry - timezone.now() <= timedelta(days=7)
    assert token_client(token).get("/api/v1/me/").json()["username"] == user.username


def test_the_default_duration_is_the_setting_and_an_unknown_one_is_refused(settings):
    user = UserFactory()
    row, _token = create_token(user, "x")
    assert timedelta(days=29) < row.expiry - timezone.now() <= timedelta(days=30)
    client = APIClient()
    client.force_login(user)
    assert client.post("/api/v1/me/tokens/", {"name": "x", "days": 3}, format="json").status_code == 400


def test_an_expired_token_is_refused_and_deleted():
    user = UserFactory()
    row, token = create_token(user, "old")
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert token_client(token).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_an_inactive_persons_token_is_refused():
    user = UserFactory()
    _row, token = create_token(user, "x")
    user.is_active = False
    user.save()
    assert token_client(token).get("/api/v1/me/").status_code == 401


def test_last_used_is_noted():
    user = UserFactory()
    row, token = create_token(user, "x")
    assert row.last_used is None
    token_client(token).get("/api/v1/me/")
    assert ApiToken.objects.get(pk=row.pk).last_used is not None


def test_the_api_creates_lists_and_revokes_my_tokens_only():
    me, other = UserFactory(), UserFactory()
    theirs, their_token = create_token(other, "theirs")
    client = APIClient()
    client.force_login(me)
    created = client.post("/api/v1/me/tokens/", {"name": "cron job", "days": 90}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "cron job" and body["token"] and body["id"]
    listed = client.get("/api/v1/me/tokens/").json()
    assert [t["name"] for t in listed] == ["cron job"]
    assert "token" not in listed[0] and "digest" not in listed[0]
    assert body["token"] not in str(listed)
    # Another's token: the same 404 as a missing id, and it keeps working.
    assert client.delete(f"/api/v1/me/tokens/{theirs.pk}/").status_code == 404
    assert client.delete("/api/v1/me/tokens/987654321/").status_code == 404
    assert token_client(their_token).get("/api/v1/me/").status_code == 200
    # With the new token itself: list, then revoke it; then it no longer works.
    mine = token_client(body["token"])
    assert mine.get("/api/v1/me/tokens/").status_code == 200
    assert mine.delete(f"/api/v1/me/tokens/{body['id']}/").status_code == 204
    assert token_client(body["token"]).get("/api/v1/me/").status_code == 401


def test_the_browser_page_shows_a_new_token_once_and_revokes_it(client):
    me, other = UserFactory(), UserFactory()
    theirs, _ = create_token(other, "their secret script")
    client.force_login(me)
    page = client.get("/settings/tokens/")
    assert page.status_code == 200 and "their secret script" not in page.content.decode()
    answer = client.post("/settings/tokens/", {"name": "nightly export", "days": "7"})
    assert answer.status_code == 201
    row = ApiToken.objects.get(user=me)
    html = answer.content.decode()
    token = html.split('id="new-token-text" class="token-text" value="')[1].split('"')[0]
    assert hash_token(token) == row.digest
    again = client.get("/settings/tokens/").content.decode()
    assert "nightly export" in again and token not in again and row.digest not in again
    assert client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.post(f"/settings/tokens/{row.pk}/revoke/").status_code == 302
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    assert token_client(token).get("/api/v1/me/").status_code == 401


def test_the_profile_links_to_the_tokens_page_for_its_owner_only(client):
    me, other = UserFactory(), UserFactory()
    client.force_login(me)
    assert "/settings/tokens/" in client.get(f"/people/{me.username}/").content.decode()
    assert "/settings/tokens/" not in client.get(f"/people/{other.username}/").content.decode()


def test_the_token_pages_need_a_sign_in(client):
    assert client.get("/settings/tokens/").status_code == 302
    assert APIClient().get("/api/v1/me/tokens/").status_code in (401, 403)


def test_the_tokens_page_and_list_cost_the_same_for_one_token_or_many(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    api = APIClient()
    api.force_login(me)
    create_token(me, "first")
    client.get("/settings/tokens/")  # warm: the session, the terms
    api.get("/api/v1/me/tokens/")
    with django_assert_max_num_queries(12) as page:
        assert client.get("/settings/tokens/").status_code == 200
    with django_assert_max_num_queries(12) as listed:
        assert len(api.get("/api/v1/me/tokens/").json()) == 1
    for n in range(15):
        create_token(me, f"script {n}")
    with django_assert_max_num_queries(len(page.captured_queries)):
        assert client.get("/settings/tokens/").status_code == 200
    with django_assert_max_num_queries(len(listed.captured_queries)):
        assert len(api.get("/api/v1/me/tokens/").json()) == 16
