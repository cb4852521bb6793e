"""The browser forgets a local draft when the server has the text (SPEC §2.3): a form's POST that
succeeded names the form for static/js/drafts-clear.js; one that did not land says nothing."""

from urllib.parse import unquote

import pytest

from communities.models import Role
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.middleware import DRAFT_PUBLISHED_COOKIE

pytestmark = pytest.mark.django_db

FORM = "/posts/new/?community=water"
POST = {"title": "Pump list", "body": "Three suppliers.", "body_format": "markdown", "classification": "unclassified"}


@pytest.fixture
def member():
    user = UserFactory()
    add_member(CommunityFactory(slug="water"), user, Role.MEMBER)
    return user


def test_a_published_post_names_its_form_and_author_for_the_browser(client, member):
    client.force_login(member)
    response = client.post(FORM, POST)
    assert response.status_code == 302
    cookie = response.cookies[DRAFT_PUBLISHED_COOKIE]
    assert unquote(cookie.value) == f"{member.pk}:{FORM}"
    assert not cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) == 120


def test_a_publish_that_met_an_expired_session_keeps_the_draft(client, member):
    response = client.post(FORM, POST)  # not signed in: sent to sign in
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert DRAFT_PUBLISHED_COOKIE not in response.cookies


def test_a_preview_or_a_refused_form_keeps_the_draft(client, member):
    client.force_login(member)
    assert DRAFT_PUBLISHED_COOKIE not in client.post(FORM, {**POST, "preview": "1"}).cookies
    refused = client.post(FORM, {**POST, "title": ""})
    assert refused.status_code == 200 and DRAFT_PUBLISHED_COOKIE not in refused.cookies
