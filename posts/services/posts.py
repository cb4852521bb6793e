"""Writes on posts: publish, edit, withdraw, reclassify, like (SPEC §2.3)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from unisocial.classification import Level, Status
from unisocial.ratelimits import check_hourly

from ..models import Like, Post
from .attachments import _attach
from .rules import (
    _body,
    _mentions,
    _record_readers,
    _request_write,
    _require_member,
    _require_writable,
    _set_readers,
    _tags,
    _touch,
    check_level_change,
    choose_level,
    item_change_level,
    validate_readers,
)


@transaction.atomic
def post_create(*, actor, community, title, body="", body_format="html", classification=None,
                readers=(), tags=(), attachment=None) -> tuple[Post, list[str]]:
    """Publish a post (pending under pre-moderation for plain members), with its optional file
    in the same transaction: a refused file publishes nothing. Returns (post, warnings)."""
    _require_writable(community)
    role = _require_member(actor, community)
    # One account must not flood a community or its moderation queue (the hourly post limit, unisocial/ratelimits.py).
    limit = settings.POST_RATE_PER_HOUR
    check_hourly(
        Post.objects.filter(author=actor),
        limit=limit,
        message=_("You have posted too often in the last hour (at most %(n)d posts). Please try again later.")
        % {"n": limit},
    )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the post a title.")})
    level = choose_level(community, classification)
    readers = validate_readers(community, level, readers)
    post = Post(
        community=community,
        author=actor,
        title=title[:200],
        body_source=body or "",
        body_format=body_format,
        body=_body(body, body_format),
        classification=level,
        status=Status.PENDING if community.premoderation and role == "member" else Status.PUBLISHED,
    )
    post.full_clean()
    post._history_user = actor  # SPEC §2.3 "who": also for API and task writes, not only sessions
    _record_readers(post, readers)
    post.save()
    post.tags.set(_tags(tags, actor))
    _set_readers(post, readers, "posts.read_post")
    _touch(community)
    warnings = _mentions(actor, post, body) if post.status == Status.PUBLISHED else []
    _attach(actor, post, attachment, new_item=True)
    return post, warnings


@transaction.atomic
def post_update(*, actor, post, reason="", attachment=None, **changes) -> tuple[Post, list[str]]:
    """The author edits; the level may be raised, or lowered with a reason (SPEC §2.3); an
    optional new file is attached in the same transaction."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    _require_writable(post.community)
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can edit this post."))
    # Authorship gives no right without an active membership (SPEC §2.2): the item stays with C.
    _require_member(actor, post.community)
    _request_write(post)
    unknown = set(changes) - {"title", "body", "body_format", "classification", "readers", "tags"}
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in unknown})
    if "classification" in changes:
        level = choose_level(post.community, changes["classification"])
        check_level_change(actor, post, level, reason)
        item_change_level(actor=actor, item=post, classification=level, reason=reason, via="edit", save=False)
    if "title" in changes:
        if not (changes["title"] or "").strip():
            raise ValidationError({"title": _("Give the post a title.")})
        post.title = changes["title"].strip()[:200]
    if "body_format" in changes:
        post.body_format = changes["body_format"]
    previous_source = post.body_source
    if "body" in changes:
        post.body_source = changes["body"] or ""
    if "body" in changes or "body_format" in changes:
        post.body = _body(post.body_source, post.body_format)
    readers = changes.get("readers")
    if readers is None:
        readers = [g.user for g in post.reader_grants.select_related("user")]
        if post.classification != Level.STRICTLY_CONFIDENTIAL:
            readers = []
    readers = validate_readers(post.community, post.classification, readers)
    post._change_reason = (reason or "").strip()[:100] or None
    post._history_user = actor
    _record_readers(post, readers)
    post.full_clean()
    post.save()
    if "tags" in changes:
        post.tags.set(_tags(changes["tags"], actor))
    _set_readers(post, readers, "posts.read_post")
    _touch(post.community)
    warnings = []
    if "body" in changes:
        warnings = _mentions(actor, post, changes["body"], previous_source)
    _attach(actor, post, attachment)
    return post, warnings


@transaction.atomic
def post_withdraw(*, actor, post) -> Post:
    """"Delete" by the author: withdrawn from view, kept for records (SPEC §2.3)."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    _require_writable(post.community)
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can delete this post."))
    _require_member(actor, post.community)
    _request_write(post)
    post.status = Status.WITHDRAWN
    post._change_reason = "withdrawn by author"
    post._history_user = actor
    post.save()
    return post


def item_reclassify(*, actor, item, classification, reason=""):
    """Change only the level of a post or wiki page (owners/moderators raise; author/owners lower),
    through ``item_change_level``: the reclassify of the pages and API, and of moderation."""
    with transaction.atomic():
        item = type(item).objects.select_for_update().get(pk=item.pk)
        _require_writable(item.community)
        _request_write(item)
        level = choose_level(item.community, classification)
        check_level_change(actor, item, level, reason)
        item_change_level(actor=actor, item=item, classification=level, reason=reason)
    return item


def post_like(*, actor, post, like=True) -> int:
    """Recommend (or stop recommending) a post the actor can see. Returns the like count."""
    _require_writable(post.community)  # an archived community is read-only (SPEC §2.1)
    if like:
        Like.objects.get_or_create(post=post, user=actor)
    else:
        Like.objects.filter(post=post, user=actor).delete()
    return Like.objects.filter(post=post).count()
