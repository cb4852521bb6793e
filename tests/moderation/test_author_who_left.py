"""SPEC §2.2 with §3 (issue 11, finding 9): an author who left C sees nothing of C beyond the open
row, their own items included — so moderation of "their" item is not announced to them either
(a notice would name C and link to a page that answers 404)."""
import pytest

from communities.models import Membership
from moderation import services
from posts.models import Notification
from unisocial.access import can_view

pytestmark = pytest.mark.django_db


def leave(cast, community):
    Membership.objects.filter(user=cast["author"], content_object=cast[community]).delete()


@pytest.mark.parametrize("community, level", [("a", "strictly_confidential"), ("a", "confidential"),
                                              ("open", "unclassified")])
def test_an_author_who_left_is_not_notified_of_moderation_of_their_item(cast, post_in, community, level):
    post = post_in(community=community, title="Heron memo", classification=level)
    leave(cast, community)
    services.item_hide(actor=cast["owner"], item=post, reason="Heron reason")
    assert not can_view(cast["author"], post)
    assert not Notification.objects.filter(recipient=cast["author"]).exists()


def test_an_author_still_in_the_community_is_notified(cast, post_in):
    post = post_in(community="open", title="Heron memo")
    services.item_hide(actor=cast["owner"], item=post, reason="Heron reason")
    assert "Heron reason" in Notification.objects.get(recipient=cast["author"]).message
