"""The forms that take a body load the @mention suggestions (SPEC §2.3): the post and wiki forms and
the comment forms — but not a strictly confidential post's comments, whose readers the commenter may
not see (SPEC §2.3), nor a wiki page's editor who does not see its readers."""

import pytest

from communities.models import Role
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility

pytestmark = pytest.mark.django_db

LOADS = 'src="/static/js/mentions.js"'


@pytest.fixture
def board():
    community = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board")
    owner, member = UserFactory(username="olena"), UserFactory(username="ken")
    add_member(community, owner, Role.OWNER)
    add_member(community, member)
    return community, owner, member


def test_the_post_and_wiki_forms_load_the_suggestions(login, board):
    community, owner, _member = board
    client = login(owner)
    for url in ("/posts/new/?community=board", "/communities/board/wiki/new/"):
        page = client.get(url).content.decode()
        assert LOADS in page and 'src="/static/js/src/audience.js" type="module"' in page, url
        assert 'data-mentions-url="/api/v1/communities/board/audience/"' in page, url


def test_comments_load_them_with_their_posts_level_unless_strictly_confidential(login, board):
    community, owner, member = board
    post, _ = services.post_create(actor=owner, community=community, title="Budget", classification=Level.CONFIDENTIAL)
    page = login(member).get(post.get_absolute_url()).content.decode()
    assert LOADS in page and 'data-mentions-level="confidential"' in page
    secret, _ = services.post_create(
        actor=owner, community=community, title="Merger", classification=Level.STRICTLY_CONFIDENTIAL, readers=[member]
    )
    assert LOADS not in login(member).get(secret.get_absolute_url()).content.decode()


def test_a_wiki_editor_who_does_not_see_the_readers_gets_none_on_a_strictly_confidential_page(login, board):
    community, owner, member = board
    page, _ = services.wiki_create(
        actor=owner, community=community, title="Plan", classification=Level.STRICTLY_CONFIDENTIAL, readers=[member]
    )
    assert LOADS not in login(member).get(f"/communities/board/wiki/{page.slug}/edit/").content.decode()
    assert LOADS in login(owner).get(f"/communities/board/wiki/{page.slug}/edit/").content.decode()
