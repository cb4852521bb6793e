"""SPEC §3: anyone who can see an item may report it once; auto-hide; confidentiality by an owner."""
import pytest

from communities.access import can_view
from moderation.models import Flag, ModerationAction
from posts.models import Comment, Post, WikiPage

pytestmark = pytest.mark.django_db


def flag(api, user, target_type, target_id, reason="spam", note=""):
    return api(user).post(
        "/api/v1/flags/", {"target_type": target_type, "target_id": target_id, "reason": reason, "note": note},
        format="json",
    )


def test_a_member_reports_a_visible_post_once(cast, post_in, api):
    post = post_in()
    response = flag(api, cast["reader1"], "post", post.pk, note="Advert")
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "spam" and response.json()["item_status"] == "published"
    again = flag(api, cast["reader1"], "post", post.pk, reason="other")
    assert again.status_code == 400
    assert "already reported" in str(again.json())
    assert Flag.objects.count() == 1


def test_reporting_an_item_you_cannot_see_is_404(cast, post_in, api):
    post = post_in()  # restricted community A: the outsider cannot see it
    assert flag(api, cast["outsider"], "post", post.pk).status_code == 404
    assert flag(api, cast["outsider"], "post", 999999).status_code == 404
    sc = post_in(classification="strictly_confidential")
    assert flag(api, cast["moderator"], "post", sc.pk).status_code == 404
    assert not Flag.objects.exists()


def test_reporting_an_invisible_item_in_the_browser_is_404(cast, post_in, client):
    post = post_in()
    client.force_login(cast["outsider"])
    assert client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam"}).status_code == 404
    assert client.post(f"/moderation/report/nonsense/{post.pk}/", {"reason": "spam"}).status_code == 404


def test_three_reports_hide_an_item_for_its_readers_but_not_its_author(cast, post_in, api, client):
    post = post_in()
    for name in ("reader1", "reader2"):
        assert flag(api, cast[name], "post", post.pk).status_code == 201
    post.refresh_from_db()
    assert post.status == "published"
    flag(api, cast["reader3"], "post", post.pk, reason="harassment")
    post.refresh_from_db()
    assert post.status == "hidden"
    assert not can_view(cast["reader1"], post)
    assert client.get(f"/posts/{post.pk}/").status_code == 302  # not logged in
    client.force_login(cast["reader1"])
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    client.force_login(cast["author"])
    page = client.get(f"/posts/{post.pk}/")
    assert page.status_code == 200
    assert "Hidden after reports:" in page.content.decode()
    entry = ModerationAction.objects.get()
    assert entry.action == "hide" and entry.actor is None and "3" in entry.reason
    # Still in the queue until someone reviews it: the flags stay open.
    assert Flag.objects.filter(state="open").count() == 3


def test_the_threshold_is_the_communitys(cast, post_in, api):
    cast["a"].auto_hide_threshold = 1
    cast["a"].save()
    post = post_in()
    flag(api, cast["reader1"], "post", post.pk)
    post.refresh_from_db()
    assert post.status == "hidden"


def test_a_confidentiality_report_by_an_owner_or_moderator_hides_at_once(cast, post_in, api):
    post = post_in(classification="confidential")
    assert flag(api, cast["reader1"], "post", post.pk, reason="confidentiality").status_code == 201
    post.refresh_from_db()
    assert post.status == "published"  # a plain member's report alone does not
    flag(api, cast["moderator"], "post", post.pk, reason="confidentiality", note="Salary data")
    post.refresh_from_db()
    assert post.status == "hidden"
    entry = ModerationAction.objects.get()
    assert entry.actor == cast["moderator"] and entry.action == "hide"


def test_comments_and_wiki_pages_can_be_reported(cast, post_in, api):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Rude</p>")
    page = WikiPage.objects.create(
        community=cast["a"], slug="p", title="Page", classification="unclassified", author=cast["author"]
    )
    assert flag(api, cast["reader1"], "comment", comment.pk, reason="harassment").status_code == 201
    assert flag(api, cast["reader1"], "wiki", page.pk, reason="off_topic").status_code == 201
    assert set(Flag.objects.values_list("target_type", "community__slug")) == {("comment", "a"), ("wiki", "a")}


def test_bad_input_is_400(cast, post_in, api):
    post = post_in()
    assert flag(api, cast["reader1"], "post", post.pk, reason="boring").status_code == 400
    assert flag(api, cast["reader1"], "poll", post.pk).status_code == 400


def test_report_forms_on_post_comment_and_wiki_pages(cast, post_in, client):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Hi</p>")
    page = WikiPage.objects.create(
        community=cast["a"], slug="p", title="Page", classification="unclassified", author=cast["author"]
    )
    client.force_login(cast["reader1"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/moderation/report/post/{post.pk}/"' in html
    assert f'action="/moderation/report/comment/{comment.pk}/"' in html
    html = client.get(f"/communities/a/wiki/{page.slug}/").content.decode()
    assert f'action="/moderation/report/wiki/{page.pk}/"' in html


def test_reporting_in_the_browser_says_what_happened(cast, post_in, client):
    post = post_in()
    client.force_login(cast["reader1"])
    response = client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam", "note": "ad"}, follow=True)
    assert "your report was sent" in response.content.decode()
    assert "You reported this." in response.content.decode()
    response = client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam"}, follow=True)
    assert "already reported" in response.content.decode()
    assert Post.objects.get(pk=post.pk).status == "published"
