"""The main navigation: the "Records" link is there for records officers only, and costs no query
(``is_records_officer`` is loaded with the user by ``unisocial.auth_backends.UserBackend``)."""
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from unisocial.models import RECORDS_OFFICERS_GROUP

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

RECORDS_LINK = 'href="/records/"'


def _officer():
    user = UserFactory(username="officer")
    user.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))
    return user


def test_records_link_shown_to_records_officers_only(client):
    client.force_login(UserFactory(username="plain"))
    assert RECORDS_LINK not in client.get("/communities/").content.decode()

    client.force_login(_officer())
    page = client.get("/communities/").content.decode()
    assert RECORDS_LINK in page
    assert 'aria-current="page"' in client.get("/records/").content.decode().split(RECORDS_LINK)[1][:40]


def test_records_link_leaving_the_group_takes_it_away(client):
    officer = _officer()
    client.force_login(officer)
    assert RECORDS_LINK in client.get("/communities/").content.decode()
    officer.groups.clear()
    assert RECORDS_LINK not in client.get("/communities/").content.decode()
    assert client.get("/records/").status_code == 403


def test_the_officer_check_is_loaded_with_the_user(client):
    client.force_login(_officer())
    client.get("/communities/")  # warm: session, terms
    with CaptureQueriesContext(connection) as ctx:
        client.get("/communities/")
    group_lookups = [q["sql"] for q in ctx.captured_queries if "auth_group" in q["sql"]]
    # One: the EXISTS inside the query that loads the user; no separate group query.
    assert len(group_lookups) == 1
    assert 'FROM "unisocial_user" WHERE' in group_lookups[0] and "EXISTS" in group_lookups[0].upper()
