"""Writes on posts: publish, edit, withdraw, reclassify, like (SPEC §2.3)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from unisocial.classification import Status
from unisocial.ratelimits import check_hourly

from .. import selectors
from ..languages import default_language
from ..models import Like, Post
from .attachments import _attach
from .rules import (
    _body,
    _mentions,
    _record_readers,
    _request_write,
    _require_writable,
    _set_readers,
    _tags,
    _touch,
    apply_edit,
    check_level_change,
    choose_level,
    item_change_level,
    mentions_warned_before,
    require_can_change,
    require_can_write,
    validate_readers,
)


@transaction.atomic
def post_create(*, actor, community, title, body="", body_format="html", classification=None,
                readers=(), tags=(), attachment=None, language="") -> tuple[Post, list[str]]:
    """Publish a post (pending under pre-moderation for plain members), with its optional file
    in the same transaction: a refused file publishes nothing. Returns (post, warnings)."""
    role = require_can_write(actor, community)
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
        language=language or default_language(actor),  # SPEC §7: the author's unless chosen
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
    post = Post.objects.select_for_update().select_related("community").get(pk=post.pk)
    require_can_change(actor, post)
    warned_before = mentions_warned_before(actor, post) if "body" in changes else []
    previous_source, readers = apply_edit(
        actor, post, changes, reason,
        fields=("title", "body", "body_format", "classification", "readers", "tags", "language"),
        untitled=_("Give the post a title."),
    )
    post._change_reason = (reason or "").strip()[:100] or None
    post._history_user = actor
    post.full_clean()
    post.save()
    if "tags" in changes:
        post.tags.set(_tags(changes["tags"], actor))
    _set_readers(post, readers, "posts.read_post")
    _touch(post.community)
    warnings = []
    if "body" in changes:
        warnings = _mentions(actor, post, changes["body"], previous_source, warned_before)
    _attach(actor, post, attachment)
    return post, warnings


@transaction.atomic
def post_withdraw(*, actor, post) -> Post:
    """"Delete" by the author: withdrawn from view, kept for records (SPEC §2.3)."""
    post = Post.objects.select_for_update().select_related("community").get(pk=post.pk)
    require_can_change(actor, post)
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
    return selectors.like_count(post)
