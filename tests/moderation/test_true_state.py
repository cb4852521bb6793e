"""SPEC §3: a rejected author learns why — the reason in the notification and on the page, the
page stating the true state — and nobody can report their own item."""

import pytest

from moderation import services
from moderation.models import Flag
from notifications.models import Notification
from posts.models import Comment, Post

pytestmark = pytest.mark.django_db


def test_a_rejected_author_reads_the_reason_in_the_notification_and_on_the_page(cast, post_in, client):
    post = post_in(status="pending", title="My idea", community="open")
    services.item_reject(actor=cast["moderator"], item=post, reason="Duplicate of the March thread")
    notice = Notification.objects.get(recipient=cast["author"])
    assert "was rejected by moderation" in notice.message
    assert "Duplicate of the March thread" in notice.message
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Rejected by moderation:" in html and "Duplicate of the March thread" in html
    assert "pending review" not in html and "Hidden by moderation" not in html


def test_a_confidential_rejection_keeps_the_reason_out_of_the_notification_but_on_the_page(cast, post_in, client):
    post = post_in(status="pending", classification="confidential")
    services.item_reject(actor=cast["moderator"], item=post, reason="Quotes the audit report")
    notice = Notification.objects.get(recipient=cast["author"])
    assert "Quotes the audit report" not in notice.message  # SPEC §2.4: no content in the notification
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Rejected by moderation:" in html and "Quotes the audit report" in html


def test_each_held_back_state_is_named_truly(cast, post_in, client):
    by_moderator = post_in(title="Hidden one")
    services.item_hide(actor=cast["moderator"], item=by_moderator, reason="Off topic")
    cast["a"].auto_hide_threshold = 1
    cast["a"].save()
    by_reports = post_in(title="Reported one")
    services.flag_create(actor=cast["reader1"], item=by_reports, reason="spam")
    assert Post.objects.get(pk=by_reports.pk).status == "hidden"
    waiting = post_in(title="Waiting one", status="pending")
    client.force_login(cast["author"])
    assert "Hidden by moderation:" in client.get(f"/posts/{by_moderator.pk}/").content.decode()
    html = client.get(f"/posts/{by_reports.pk}/").content.decode()
    assert "Hidden after reports:" in html and "1 people reported it" in html
    assert "Awaiting approval." in client.get(f"/posts/{waiting.pk}/").content.decode()


def test_a_rejected_comment_tells_its_true_state_too(cast, post_in, client):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Hi</p>")
    services.item_hide(actor=cast["moderator"], item=comment, reason="Personal attack")
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Hidden by moderation:" in html and "Personal attack" in html


def test_an_author_cannot_report_their_own_item(cast, post_in, client, api):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Mine</p>")
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert f"/moderation/report/post/{post.pk}/" not in html  # no Report link on one's own post
    assert f"/moderation/report/comment/{comment.pk}/" not in html
    response = client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam"}, follow=True)
    assert "You cannot report your own item" in response.content.decode()
    refused = api(cast["author"]).post(
        "/api/v1/flags/", {"target_type": "comment", "target_id": comment.pk, "reason": "spam"}, format="json"
    )
    assert refused.status_code == 403
    assert not Flag.objects.exists()
    # Others still may.
    client.force_login(cast["reader1"])
    assert f"/moderation/report/post/{post.pk}/" in client.get(f"/posts/{post.pk}/").content.decode()


def test_an_author_cannot_report_their_own_wiki_page(cast, client):
    from posts.models import WikiPage

    page = WikiPage.objects.create(
        community=cast["a"], slug="p", title="Page", classification="unclassified", author=cast["author"]
    )
    client.force_login(cast["author"])
    assert f"/moderation/report/wiki/{page.pk}/" not in client.get("/communities/a/wiki/p/").content.decode()
    client.post(f"/moderation/report/wiki/{page.pk}/", {"reason": "spam"})
    assert not Flag.objects.exists()


def test_the_true_state_is_told_in_the_readers_language(cast, post_in, client):
    post = post_in(status="pending")
    services.item_reject(actor=cast["moderator"], item=post, reason="Doublon")
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Refusé par la modération" in html and "Doublon" in html


def test_a_rejected_comment_is_not_called_hidden(cast, post_in, client):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Wait</p>", status="pending")
    services.item_reject(actor=cast["moderator"], item=comment, reason="Off topic here")
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert html.count("Rejected by moderation") == 2  # its status and its notice, with the reason
    assert "Off topic here" in html and "Hidden by moderation" not in html
