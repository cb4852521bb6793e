import pytest

from communities.models import Role
from notifications.services import notify_item
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def moderated(db, alice, bob):
    """A moderated community where alice owns and bob is a member."""
    community = CommunityFactory(visibility=Visibility.MODERATED, name="Budget team")
    add_member(community, alice, Role.OWNER)
    add_member(community, bob, Role.MEMBER)
    return community


@pytest.fixture
def post_in(db):
    def make(community, author, **kwargs):
        kwargs.setdefault("classification", Level.UNCLASSIFIED)
        return PostFactory(community=community, author=author, **kwargs)

    return make


@pytest.fixture
def notify_about(db):
    """Notify ``recipient`` about ``item`` as the services do (a mention by its author)."""

    def make(recipient, item, kind="mention", actor=None):
        rows = notify_item([recipient], item=item, kind=kind, actor=actor or item.author)
        return rows[0] if rows else None

    return make
