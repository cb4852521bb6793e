"""Writes on comments (SPEC §2.3)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import notify_item
from unisocial.classification import Status
from unisocial.sanitize import clean_text, render

from ..models import Comment
from .rules import _mentions, _request_write, _touch, require_can_change, require_can_write

COMMENT_FORMATS = ("text", "html")
# The rich-text editor's HTML for a comment of at most 10,000 characters of text, with its markup.
MAX_COMMENT_HTML = 30000


def _comment_body(body, body_format):
    """A comment's source as safe HTML: plain text, or the editor's HTML through the sanitizer."""
    if body_format not in COMMENT_FORMATS:
        raise ValidationError({"body": _("Unknown comment format.")})
    if body_format == "html":
        if len(body) > MAX_COMMENT_HTML:
            raise ValidationError({"body": _("Keep comments under 10,000 characters.")})
        return render(body, "html")
    if len(body) > 10000:
        raise ValidationError({"body": _("Keep comments under 10,000 characters.")})
    return clean_text(body)


@transaction.atomic
def comment_create(*, actor, post, body, parent=None, body_format="text") -> tuple[Comment, list[str]]:
    """Members comment on a visible, published post; replies are one level deep."""
    require_can_write(actor, post.community)
    # A comment is a change of the post's record: refused on a held post, or one in a held community (SPEC §4).
    _request_write(post)
    if post.status != Status.PUBLISHED:
        raise PermissionDenied(_("Comments open once the post is published."))
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a comment first.")})
    html = _comment_body(body, body_format)
    replied_to = parent
    if parent is not None:
        if parent.post_id != post.pk or parent.status != Status.PUBLISHED:
            raise ValidationError({"parent": _("You can only reply to a comment on this post.")})
        if parent.parent_id is not None:
            parent = parent.parent  # threads are one level deep
    comment = Comment(post=post, parent=parent, author=actor, body_source=body, body=html, body_format=body_format)
    comment._history_user = actor
    comment.save()
    _touch(post.community)
    recipients = {post.author_id: "comment"}
    if replied_to is not None:
        # The person answered hears of it, even when the thread was flattened onto its top comment.
        recipients[replied_to.author_id] = "reply"
    recipients.pop(actor.pk, None)
    for uid, kind in recipients.items():
        transaction.on_commit(lambda uid=uid, kind=kind: notify_item([uid], item=comment, kind=kind, actor=actor))
    return comment, _mentions(actor, comment, body)


@transaction.atomic
def comment_update(*, actor, comment, body, body_format=None) -> Comment:
    comment = Comment.objects.select_for_update().select_related("post__community").get(pk=comment.pk)
    require_can_change(actor, comment)
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a comment first.")})
    body_format = body_format or comment.body_format
    comment.body = _comment_body(body, body_format)
    comment.body_source = body
    comment.body_format = body_format
    comment._history_user = actor
    comment.save()
    return comment


@transaction.atomic
def comment_withdraw(*, actor, comment) -> Comment:
    comment = Comment.objects.select_for_update().select_related("post__community").get(pk=comment.pk)
    require_can_change(actor, comment)
    comment.status = Status.WITHDRAWN
    comment._history_user = actor
    comment.save()
    return comment
