"""The services that lock rows (select_for_update) open their own transaction.

Every other test runs inside the test's transaction, where a missing ``@transaction.atomic``
goes unnoticed; here, as in a request, there is none. On PostgreSQL (CI) a lock outside a
transaction is an error; SQLite ignores the lock, so the check only bites there.
"""

import pytest

from communities.models import Role
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wiki_page_is_edited_and_reverted_each_in_its_own_transaction():
    author = UserFactory()
    community = CommunityFactory()
    add_member(community, author, Role.OWNER)
    page, _w = services.wiki_create(
        actor=author, community=community, title="Checklist", body="Register the trip.", body_format="markdown"
    )
    first = page.history.order_by("history_id").first().history_id
    page, _w = services.wiki_update(actor=author, page=page, body="Take the radio.")
    page = services.wiki_revert(actor=author, page=page, version=first)
    page.refresh_from_db()
    assert "Register the trip." in page.body
    assert page.history.count() == 3
