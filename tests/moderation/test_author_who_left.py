"""SPEC §2.2 with §3: an author who left C sees nothing of C beyond the open
row, their own items included — so moderation of "their" item is not announced to them either
(a notice would name C and link to a page that answers 404)."""
import pytest

from communities.access import can_view
from communities.models import Membership
from moderation import services
from notifications.models import Notification

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


@pytest.mark.parametrize("status", ["published", "hidden"])
def test_an_author_removed_from_a_community_gets_404_for_their_strictly_confidential_post(cast, post_in, client,
                                                                                          api, status):
    from communities.services import member_remove
    from posts.models import Comment

    post = post_in(title="Heron memo", classification="strictly_confidential", status=status)
    client.force_login(cast["author"])
    assert client.get(f"/posts/{post.pk}/").status_code == 200
    member_remove(actor=cast["owner"], community=cast["a"], user=cast["author"])
    Comment.objects.create(post=post, author=cast["owner"], body="<p>Written after he left</p>")
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    assert api(cast["author"]).get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert api(cast["author"]).get(f"/api/v1/posts/{post.pk}/comments/").status_code == 404
    assert "Heron" not in client.get(f"/people/{cast['author'].username}/").content.decode()
    assert api(cast["author"]).get("/api/v1/search/?q=Heron").json()["results"] == []


def test_an_author_who_left_an_open_community_no_longer_edits_or_withdraws_their_post(cast, post_in, api):
    # The open row still shows the post to everyone, him included; writing needs an active membership.
    from posts.models import Comment

    post = post_in(community="open", title="Heron memo")
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>his comment</p>")
    leave(cast, "open")
    client = api(cast["author"])
    assert client.get(f"/api/v1/posts/{post.pk}/").status_code == 200
    assert client.patch(f"/api/v1/posts/{post.pk}/", {"title": "Changed"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/posts/{post.pk}/").status_code == 403
    post.refresh_from_db()
    assert post.title == "Heron memo" and post.status == "published"
    from django.core.exceptions import PermissionDenied

    from posts.services import comment_update, comment_withdraw

    for write in (lambda: comment_update(actor=cast["author"], comment=comment, body="changed"),
                  lambda: comment_withdraw(actor=cast["author"], comment=comment)):
        with pytest.raises(PermissionDenied):
            write()
    comment.refresh_from_db()
    assert comment.body == "<p>his comment</p>" and comment.status == "published"
