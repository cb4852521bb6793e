"""What the post and comment pages say (SPEC §2.3): an edited comment is marked as edited (a
moderator's hide and restore are not edits); the text-format choice "HTML" is not offered to staff
writing (they need no markup), only to the editor of an item already stored as HTML."""

from moderation import services as moderation
from posts import services
from posts.models import Post

from .test_views import cast, moderated, page_of, publish  # noqa: F401 — fixtures


def _meta_of(page, comment):
    return page.split(f'id="comment-{comment.pk}"')[1].split('class="comment__body')[0]


def test_an_edited_comment_says_so_and_an_unedited_one_does_not(client, cast, moderated):  # noqa: F811
    post = publish(cast["author"], moderated)
    edited, _ = services.comment_create(actor=cast["plain"], post=post, body="Frist")
    untouched, _ = services.comment_create(actor=cast["plain"], post=post, body="Second")
    services.comment_update(actor=cast["plain"], comment=edited, body="First")
    moderation.item_hide(actor=cast["moderator"], item=untouched, reason="checking")
    moderation.item_restore(actor=cast["moderator"], item=untouched)
    client.force_login(cast["author"])
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert 'class="comment__edited">edited <time datetime=' in _meta_of(page, edited)
    assert "edited" not in _meta_of(page, untouched)


def test_the_html_format_is_not_offered_when_writing(client, cast, moderated):  # noqa: F811
    client.force_login(cast["author"])
    page = page_of(client.get(f"/posts/new/?community={moderated.slug}"))
    assert 'type="radio"' not in page and 'value="html"' not in page
    assert '<input type="hidden" name="body_format" value="markdown"' in page
    post = publish(cast["author"], moderated, body="**Hi**", body_format="markdown")
    page = page_of(client.get(f"/posts/{post.pk}/edit/"))
    assert 'type="radio"' not in page and 'value="html"' not in page


def test_an_item_stored_as_html_keeps_the_choice_for_its_editor(client, cast, moderated):  # noqa: F811
    post = publish(cast["author"], moderated, body="<p><strong>Hi</strong></p>", body_format="html")
    assert Post.objects.get(pk=post.pk).body_format == "html"
    client.force_login(cast["author"])
    page = page_of(client.get(f"/posts/{post.pk}/edit/"))
    assert 'type="radio"' in page and 'value="html"' in page and "checked" in page
