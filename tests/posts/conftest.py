import pytest
from django.utils.functional import empty

from communities.models import Role
from posts.models.attachment import private_storage
from tests.factories import CommunityFactory, UserFactory, add_member


@pytest.fixture
def people(db):
    """A cast for the content rules: an owner, a moderator, two plain members, an outsider."""
    return {
        name: UserFactory(username=name)
        for name in ("owner", "moderator", "author", "plain", "outsider")
    }


@pytest.fixture
def communities(people):
    """One community of each visibility at its highest ceiling, with the same members in each."""
    made = {}
    for visibility in ("open", "moderated", "restricted"):
        community = CommunityFactory(
            visibility=visibility, slug=f"{visibility}-c", name=f"The {visibility} one"
        )
        add_member(community, people["owner"], Role.OWNER)
        add_member(community, people["moderator"], Role.MODERATOR)
        add_member(community, people["author"], Role.MEMBER)
        add_member(community, people["plain"], Role.MEMBER)
        made[visibility] = community
    return made


@pytest.fixture
def private_media(settings, tmp_path):
    """Private attachments written under a temporary PRIVATE_MEDIA_ROOT."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty  # the storage reads its location once; read it again
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty
