"""The system managers' read-only view of the identity provider's links (docs/identity.md): person,
issuer, subject, created, last sign-in; searchable by username and subject; nothing to add or change;
a delete unlinks. The person's signed-in sessions on their change page. Nothing on /moderation/."""
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from communities.models import Role
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.models import OIDCIdentity, SignIn

pytestmark = pytest.mark.django_db

ISSUER = "https://id.example.org"


@pytest.fixture
def manager(client):
    manager = UserFactory(username="manager", is_staff=True, is_superuser=True)
    client.force_login(manager)
    return manager


@pytest.fixture
def identities(db):
    amelie = UserFactory(username="amelie")
    omar = UserFactory(username="omar")
    return {
        "amelie": OIDCIdentity.objects.create(user=amelie, issuer=ISSUER, subject="sub-a-123",
                                              last_sign_in_at=timezone.now()),
        "omar": OIDCIdentity.objects.create(user=omar, issuer=ISSUER, subject="sub-o-456"),
    }


URL = "/admin/unisocial/oidcidentity/"


def test_the_list_shows_person_issuer_subject_and_dates(manager, identities, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = client.get(URL).content.decode()
    for text in ("amelie", "omar", ISSUER, "sub-a-123", "sub-o-456", "Created at", "Last sign-in at"):
        assert text in page
    assert f'href="{URL}add/"' not in page


@pytest.mark.parametrize("q, found, absent", [
    ("amel", "sub-a-123", "sub-o-456"), ("sub-o-4", "sub-o-456", "sub-a-123"),
])
def test_search_by_username_or_subject(manager, identities, client, q, found, absent):
    page = client.get(URL, {"q": q}).content.decode()
    assert found in page and absent not in page


def test_nothing_is_added_or_changed_here(manager, identities, client):
    identity = identities["amelie"]
    assert client.get(f"{URL}add/").status_code == 403
    page = client.get(f"{URL}{identity.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content and b'name="subject"' not in page.content
    client.post(f"{URL}{identity.pk}/change/", {"subject": "stolen", "issuer": "x", "user": identity.user_id})
    identity.refresh_from_db()
    assert identity.subject == "sub-a-123"


def test_a_delete_unlinks_the_person_and_nothing_else(manager, identities, client):
    identity = identities["omar"]
    response = client.post(f"{URL}{identity.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not OIDCIdentity.objects.filter(pk=identity.pk).exists()
    assert identity.user.__class__.objects.filter(pk=identity.user_id, is_active=True).exists()
    assert OIDCIdentity.objects.filter(pk=identities["amelie"].pk).exists()


def test_the_persons_change_page_counts_their_signed_in_sessions(manager, identities, client):
    person = identities["amelie"].user
    for _ in range(3):
        session = SessionStore()
        session.create()
        SignIn.objects.create(user=person, session_key=session.session_key)
    page = client.get(f"/admin/unisocial/user/{person.pk}/change/").content.decode()
    assert "Signed-in sessions" in page
    assert "3" in page.split("Signed-in sessions", 1)[1][:400]


def test_the_owners_site_shows_no_identity(identities, client):
    owner = UserFactory(username="owner")
    add_member(CommunityFactory(slug="room"), owner, Role.OWNER)
    client.force_login(owner)
    identity = identities["amelie"]
    index = client.get("/moderation/").content.decode()
    assert "identit" not in index.lower()
    for path in ("", f"{identity.pk}/change/", f"{identity.pk}/delete/"):
        assert client.get(f"/moderation/unisocial/oidcidentity/{path}").status_code == 404
