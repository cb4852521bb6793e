import pytest

from communities.models import Role
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member


@pytest.fixture
def cast(db):
    """Two restricted communities A and B (any level), one open community, and their people."""
    people = {
        name: UserFactory(username=name)
        for name in ("owner", "moderator", "author", "reader1", "reader2", "reader3", "outsider", "owner_b", "mod_b")
    }
    people["boss"] = UserFactory(username="boss", is_superuser=True, is_staff=True)
    a = CommunityFactory(slug="a", name="Community A", visibility="restricted")
    b = CommunityFactory(slug="b", name="Community B", visibility="restricted")
    open_room = CommunityFactory(slug="open", name="Open room", visibility="open")
    for community in (a, open_room):
        add_member(community, people["owner"], Role.OWNER)
        add_member(community, people["moderator"], Role.MODERATOR)
        for name in ("author", "reader1", "reader2", "reader3"):
            add_member(community, people[name], Role.MEMBER)
    add_member(b, people["owner_b"], Role.OWNER)
    add_member(b, people["mod_b"], Role.MODERATOR)
    add_member(b, people["author"], Role.MEMBER)
    return {**people, "a": a, "b": b, "open": open_room}


@pytest.fixture
def post_in(cast):
    def make(community="a", author="author", **kwargs):
        return PostFactory(community=cast[community], author=cast[author], **kwargs)

    return make
