"""Writes on posts, comments, wiki pages and attachments (SPEC §2.2–2.4).

Every function is atomic, takes a keyword-only ``actor``, sanitizes through
``unisocial.sanitize``, raises ``ValidationError`` (bad input, nothing
changed) or ``PermissionDenied`` (visible but not allowed), and loads nothing
the actor may not see (callers pass items loaded by ``selectors``).
"""
import hashlib
import os
import re
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from guardian.shortcuts import assign_perm

from communities.access import can_view, item_audience, role_in
from communities.models import Community
from notifications.services import notify_item
from unisocial.classification import Level, Status, rank
from unisocial.ratelimits import check_hourly
from unisocial.sanitize import clean_text, render

from . import signals
from .models import AccessLog, Comment, Like, Post, PostAttachment, Tag, WikiAttachment, WikiPage

# Addresses the wiki routes use themselves (/communities/<slug>/wiki/new/).
RESERVED_WIKI_SLUGS = frozenset({"new"})
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MAX_TAGS = 10
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
}


# --- shared rules -------------------------------------------------------------------------


def _require_writable(community: Community):
    if community.is_archived:
        raise PermissionDenied(_("This community is archived and read-only."))


def _request_write(item):
    """Ask the apps built on posts whether ``item`` may be written (``signals.item_write_requested``):
    a receiver refuses by raising — records, for an item under a records hold (SPEC §4)."""
    signals.item_write_requested.send(sender=type(item), item=item)


def _require_member(actor, community) -> str:
    role = role_in(actor, community)
    if role is None:
        raise PermissionDenied(_("Only members of this community can write in it."))
    return role


def choose_level(community, classification) -> str:
    """SPEC §2.2: an explicit level when the ceiling is above unclassified, and never above it."""
    if not classification:
        if community.ceiling == Level.UNCLASSIFIED:
            return Level.UNCLASSIFIED
        raise ValidationError(
            {"classification": _("Choose a classification level: this community holds information up to %(level)s.")
             % {"level": Level(community.ceiling).label}}
        )
    if classification not in Level.values:
        raise ValidationError({"classification": _("Choose a classification level.")})
    if rank(classification) > rank(community.ceiling):
        raise ValidationError(
            {"classification": _("This community is designed for information up to %(level)s only.")
             % {"level": Level(community.ceiling).label}}
        )
    return classification


def check_level_change(actor, item, new_level, reason) -> None:
    """Raising: author, owners, moderators. Lowering: author or owners, with a reason (SPEC §2.3)."""
    old = item.classification
    if new_level == old:
        return
    role = role_in(actor, item.community)
    is_author = item.author_id == actor.pk
    if rank(new_level) > rank(old):
        if not (is_author or role in ("owner", "moderator")):
            raise PermissionDenied(_("Only the author, owners and moderators may raise the level."))
    else:
        if not (is_author or role == "owner"):
            raise PermissionDenied(_("Only the author or the community's owners may lower the level."))
        if not (reason or "").strip():
            raise ValidationError({"reason": _("Give a reason for lowering the classification.")})


def manages_audience(actor, item) -> bool:
    """SPEC §2.3: only the item's author and C's owners see or change its readers and its level."""
    return item.author_id == actor.pk or role_in(actor, item.community) == "owner"


AUDIENCE_REFUSED = _lazy(
    "Only the author and the community's owners may change this page's level or named readers."
)


def check_audience_change(actor, item, changes) -> None:
    """Refuse (403) a write that would touch the readers or the level of ``item`` by someone
    who does not manage its audience (SPEC §2.3). ``readers`` is refused whatever its value:
    comparing it with the current list would tell them who the readers are."""
    if manages_audience(actor, item):
        return
    level = changes.get("classification")
    if "readers" in changes or (level and level != item.classification):
        raise PermissionDenied(str(AUDIENCE_REFUSED))


def validate_readers(community, classification, readers) -> list:
    """Readers are named for strictly confidential items only and must be members of C."""
    readers = list(readers or [])
    if not readers:
        return []
    if classification != Level.STRICTLY_CONFIDENTIAL:
        raise ValidationError({"readers": _("Readers are named only for strictly confidential items.")})
    members = set(
        community.memberships.active().filter(user__in=readers).values_list("user_id", flat=True)
    )
    outsiders = [r.username for r in readers if r.pk not in members]
    if outsiders:
        raise ValidationError(
            {"readers": _("A reader must be a member of the community: %(names)s") % {"names": ", ".join(outsiders)}}
        )
    return readers


def _record_readers(item, readers) -> None:
    """The readers the next revision records (posts.models.history: ``recorded_readers``)."""
    item._history_readers = sorted(r.pk for r in readers)


def _set_readers(item, readers, perm):
    current = set(item.reader_grants.values_list("user_id", flat=True))
    wanted = {r.pk: r for r in readers}
    gone = current - set(wanted)
    if gone:
        item.reader_grants.filter(user_id__in=gone).delete()
    added = [user for uid, user in wanted.items() if uid not in current]
    if added:
        # One permission lookup and one INSERT for all of them (not one per reader).
        assign_perm(perm, added, item)


def item_drop_readers(item) -> None:
    """Remove every individually granted reader of a post or wiki page (it left strictly confidential)."""
    _set_readers(item, [], "posts.read_post" if isinstance(item, Post) else "posts.read_wikipage")


def item_change_level(*, actor, item, classification, reason="", via="reclassify", change_reason=None,
                      save=True, only_level=False) -> str:
    """Set the level of a post or wiki page: the one place a level changes — the §2.3 edits,
    the reclassify of the author, owners and moderators (``item_reclassify``, which
    moderation's reclassify calls) and records' declassification. Returns the previous level.

    ``item`` is the row the caller locked (``select_for_update``), ``classification`` a level
    the caller already checked (ceiling, who may raise or lower, holds, archive: each path
    has its own rules). Here, what follows from the change itself:

    * a lowering is announced first (``signals.item_level_lowered``, the item still at its
      previous level, inside the transaction): records records one of an item listed for
      declassification review as a declassification (SPEC §4);
    * a wiki page raised to strictly confidential leaves its address for a random one;
    * with ``save`` (the default): the revision (``actor``, the change reason: ``change_reason``
      or else ``reason``) is saved, and an item that is not strictly confidential loses its
      named readers — the revision records none. ``only_level`` saves the level (and the
      address) alone: not activity, so ``updated_at`` does not move (a declassification
      does not restart retention). Without ``save`` (an edit) the caller saves the item with
      its other changes, and its readers, itself.
    """
    previous = item.classification
    if rank(classification) < rank(previous):
        signals.item_level_lowered.send(
            sender=type(item), item=item, previous_level=previous, level=classification,
            actor=actor, reason=reason, via=via,
        )
    old_slug = getattr(item, "slug", None)
    item.classification = classification
    _readdress_when_raised(item, previous)
    if not save:
        return previous
    item._change_reason = change_reason if change_reason is not None else ((reason or "").strip()[:100] or None)
    item._history_user = actor
    keeps_readers = classification == Level.STRICTLY_CONFIDENTIAL
    if not keeps_readers:
        _record_readers(item, [])
    if only_level:
        fields = ["classification"] + (["slug"] if getattr(item, "slug", None) != old_slug else [])
        item.save(update_fields=fields)
    else:
        item.save()
    if not keeps_readers:
        item_drop_readers(item)
    return previous


def _tags(names, actor) -> list:
    """The tags named, created if new. A tag that only items invisible to ``actor`` carry
    takes the actor's spelling, as a new tag would: its stored spelling would otherwise tell
    them it exists (SPEC §2.2: tags are visible only through a visible item)."""
    if isinstance(names, str):
        names = names.split(",")
    cleaned = []
    for name in names or []:
        name = " ".join(str(name).split())[:50]
        slug = slugify(name)[:60]
        if slug and slug not in {t[1] for t in cleaned}:
            cleaned.append((name, slug))
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(n)d tags.") % {"n": MAX_TAGS}})
    # One query for the tags that exist, one INSERT for the new ones (not a get_or_create each).
    existing = Tag.objects.in_bulk([slug for _name, slug in cleaned], field_name="slug")
    missing = [Tag(name=name, slug=slug) for name, slug in cleaned if slug not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = Tag.objects.in_bulk([slug for _name, slug in cleaned], field_name="slug")
    spelled = {slug: name for name, slug in cleaned if existing[slug].name != name}
    if spelled:
        seen = set(
            Post.objects.visible_to(actor)
            .filter(tags__slug__in=list(spelled))
            .values_list("tags__slug", flat=True)
        )
        for slug, name in spelled.items():
            # (A tag made elsewhere, e.g. the admin, may hold that name under another slug.)
            if slug not in seen and not Tag.objects.filter(name=name).exists():
                Tag.objects.filter(pk=existing[slug].pk).update(name=name)
                existing[slug].name = name
    return [existing[slug] for _name, slug in cleaned]


def _touch(community):
    Community.objects.filter(pk=community.pk).update(last_activity_at=timezone.now())


def _body(source, fmt):
    if fmt not in ("html", "markdown"):
        raise ValidationError({"body_format": _("Use html or markdown.")})
    return render(source, fmt)


def _mentioned(source) -> set[str]:
    found = MENTION_RE.findall(source or "")
    # "Thanks @alice." mentions alice: a username may contain dots, so try both spellings.
    return (set(found) | {n.rstrip(".") for n in found}) - {""}


def _mentions(actor, item, source, previous="") -> list[str]:
    """Notify mentioned people who can see the item; return warnings naming those who cannot.

    On an edit, people already mentioned in the ``previous`` source are not notified again.
    """
    from django.contrib.auth import get_user_model

    names = _mentioned(source) - {actor.username}
    already = _mentioned(previous)
    if not names:
        return []
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    audience = set(item_audience(_item_of(item)).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    can = [u for u in users if u.pk in audience and u.username not in already]
    cannot = sorted(u.username for u in users if u.pk not in audience)
    if can:
        transaction.on_commit(lambda: notify_item(can, item=item, kind="mention", actor=actor))
    if cannot:
        return [
            _("Not notified, because they cannot see this item: %(names)s") % {"names": ", ".join(cannot)}
        ]
    return []


def notify_mentions_on_publish(item) -> list[str]:
    """A pending item just approved (moderation): its mentions are heard now, not when it was written."""
    return _mentions(item.author, item, item.body_source)


def _item_of(obj):
    """The post or wiki page whose level and audience ``obj`` has (comments and files inherit)."""
    parent = getattr(type(obj), "access_parent", None)
    return getattr(obj, parent) if parent else obj


# --- posts --------------------------------------------------------------------------------


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
    _attach(actor, post, attachment)
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


# --- comments -----------------------------------------------------------------------------


@transaction.atomic
def comment_create(*, actor, post, body, parent=None) -> tuple[Comment, list[str]]:
    """Members comment on a visible, published post; replies are one level deep."""
    _require_writable(post.community)
    _require_member(actor, post.community)
    if post.status != Status.PUBLISHED:
        raise PermissionDenied(_("Comments open once the post is published."))
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > 10000:
        raise ValidationError({"body": _("Keep comments under 10,000 characters.")})
    replied_to = parent
    if parent is not None:
        if parent.post_id != post.pk or parent.status != Status.PUBLISHED:
            raise ValidationError({"parent": _("You can only reply to a comment on this post.")})
        if parent.parent_id is not None:
            parent = parent.parent  # threads are one level deep
    comment = Comment(post=post, parent=parent, author=actor, body_source=body,
                      body=clean_text(body))
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
def comment_update(*, actor, comment, body) -> Comment:
    comment = Comment.objects.select_for_update().select_related("post__community").get(pk=comment.pk)
    _require_writable(comment.post.community)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can edit this comment."))
    _require_member(actor, comment.post.community)
    _request_write(comment)
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a comment first.")})
    comment.body_source = body
    comment.body = clean_text(body)
    comment._history_user = actor
    comment.save()
    return comment


@transaction.atomic
def comment_withdraw(*, actor, comment) -> Comment:
    comment = Comment.objects.select_for_update().select_related("post__community").get(pk=comment.pk)
    _require_writable(comment.post.community)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can delete this comment."))
    _require_member(actor, comment.post.community)
    _request_write(comment)
    comment.status = Status.WITHDRAWN
    comment._history_user = actor
    comment.save()
    return comment


# --- wiki pages ---------------------------------------------------------------------------


WIKI_ADDRESS_TAKEN = _lazy("This address is not available; choose another.")


def _wiki_address(community, title, slug, level) -> str:
    """The address of a new page, chosen so that it tells nothing of pages the author cannot
    see (SPEC §2.2, invisible means nonexistent):

    * a strictly confidential page left without an explicit address gets a random one
      (``page-1f3a9c0b``), so its title cannot be guessed by trying addresses;
    * an address made from the title takes the first free suffix (``plan``, ``plan-2``, …);
    * an address typed explicitly that any page holds, visible or not, gets one answer
      which names no page: addresses are not secret (the form says so).
    """
    explicit = bool((slug or "").strip())
    if not explicit and level == Level.STRICTLY_CONFIDENTIAL:
        return _random_wiki_address(community)
    base = slugify(slug or title)[:80]
    if not base:
        raise ValidationError({"slug": _("Give the page an address made of letters or digits.")})
    if base in RESERVED_WIKI_SLUGS:
        raise ValidationError({"slug": _("“%(slug)s” is reserved; choose another address.") % {"slug": base}})
    taken = WikiPage.objects.filter(community=community, slug=base)
    if explicit:
        if taken.exists():
            raise ValidationError({"slug": str(WIKI_ADDRESS_TAKEN)})
        return base
    held = set(
        WikiPage.objects.filter(community=community, slug__startswith=base).values_list("slug", flat=True)
    )
    candidate, n = base, 1
    while candidate in held or candidate in RESERVED_WIKI_SLUGS:
        n += 1
        suffix = f"-{n}"
        candidate = f"{base[:80 - len(suffix)]}{suffix}"
    return candidate


RANDOM_WIKI_ADDRESS = re.compile(r"page-[0-9a-f]{8}")


def _random_wiki_address(community) -> str:
    while True:
        candidate = f"page-{secrets.token_hex(4)}"
        if not WikiPage.objects.filter(community=community, slug=candidate).exists():
            return candidate


def _readdress_when_raised(item, old_level) -> None:
    """A wiki page raised to strictly confidential leaves the address it had (made from its
    title, or typed) for a random one, as if it had been written at that level: otherwise a
    new page of the same title would take the next suffix and tell its writer that a page
    they cannot see holds that title (SPEC §2.2). Links to the old address answer
    404, as the page itself now does to everyone outside its audience."""
    if (isinstance(item, WikiPage) and item.classification == Level.STRICTLY_CONFIDENTIAL
            and old_level != Level.STRICTLY_CONFIDENTIAL and not RANDOM_WIKI_ADDRESS.fullmatch(item.slug)):
        item.slug = _random_wiki_address(item.community)


@transaction.atomic
def wiki_create(*, actor, community, title, slug="", body="", body_format="html",
                classification=None, readers=(), attachment=None) -> tuple[WikiPage, list[str]]:
    _require_writable(community)
    _require_member(actor, community)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the page a title.")})
    level = choose_level(community, classification)
    slug = _wiki_address(community, title, slug, level)
    readers = validate_readers(community, level, readers)
    now = timezone.now()
    page = WikiPage(
        community=community, slug=slug, title=title[:200], body_source=body or "", body_format=body_format,
        body=_body(body, body_format), classification=level, author=actor, last_edited_by=actor,
        created_at=now, updated_at=now,
    )
    page.full_clean()
    page._history_user = actor
    _record_readers(page, readers)
    page.save()
    _set_readers(page, readers, "posts.read_wikipage")
    _touch(community)
    _attach(actor, page, attachment)
    return page, _mentions(actor, page, body)


@transaction.atomic
def wiki_update(*, actor, page, reason="", attachment=None, **changes) -> tuple[WikiPage, list[str]]:
    """Any member who can see the page edits its title and text; only its author and the
    community's owners change its level or its named readers (SPEC §2.3): anyone else who
    sends ``readers``, or a ``classification`` other than the current one, is refused
    (PermissionDenied, nothing changed) rather than silently ignored. An optional new file
    is attached in the same transaction."""
    page, warnings = _wiki_update(actor=actor, page=page, reason=reason, changes=changes)
    _attach(actor, page, attachment)
    return page, warnings


def _wiki_update(*, actor, page, reason, changes, note=None):
    page = WikiPage.objects.select_for_update().select_related("community").get(pk=page.pk)
    _require_writable(page.community)
    _require_member(actor, page.community)
    _request_write(page)
    unknown = set(changes) - {"title", "body", "body_format", "classification", "readers"}
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in unknown})
    check_audience_change(actor, page, changes)
    if "classification" in changes and changes["classification"]:
        level = choose_level(page.community, changes["classification"])
        check_level_change(actor, page, level, reason)
        item_change_level(actor=actor, item=page, classification=level, reason=reason, via="edit", save=False)
    if "title" in changes:
        if not (changes["title"] or "").strip():
            raise ValidationError({"title": _("Give the page a title.")})
        page.title = changes["title"].strip()[:200]
    if "body_format" in changes:
        page.body_format = changes["body_format"]
    previous_source = page.body_source
    if "body" in changes:
        page.body_source = changes["body"] or ""
    page.body = _body(page.body_source, page.body_format)
    readers = changes.get("readers")
    if readers is None:
        readers = [g.user for g in page.reader_grants.select_related("user")] \
            if page.classification == Level.STRICTLY_CONFIDENTIAL else []
    readers = validate_readers(page.community, page.classification, readers)
    page.last_edited_by = actor
    page.updated_at = timezone.now()
    page._change_reason = (note or (reason or "").strip())[:100] or None
    page._history_user = actor
    _record_readers(page, readers)
    page.full_clean()
    page.save()
    _set_readers(page, readers, "posts.read_wikipage")
    _touch(page.community)
    if "body" not in changes:
        return page, []
    return page, _mentions(actor, page, changes["body"], previous_source)


def revision_readers(revision, community) -> list:
    """The named readers ``revision`` was recorded with who are still active members of the
    community (a former member cannot be a reader, SPEC §2.3). A revision recorded before
    readers were recorded (``None``) has the page's readers at the time of the migration
    only on its newest revision; older ones count as having none (the narrowest audience)."""
    if revision.classification != Level.STRICTLY_CONFIDENTIAL or not revision.recorded_readers:
        return []
    from django.contrib.auth import get_user_model

    members = community.memberships.active().filter(user_id__in=revision.recorded_readers)
    return list(get_user_model().objects.filter(pk__in=members.values("user_id"), is_active=True))


@transaction.atomic
def wiki_revert(*, actor, page, version: int, reason="") -> WikiPage:
    """Revert to revision ``version`` (a history_id): itself a new revision (SPEC §2.3).

    The revert restores the revision's title and body **with the level and named readers it
    was recorded with**, so content never reappears at a lower level, nor to other readers,
    than it was written for. Decisions, from the rules of §2.3:

    * only revisions the actor may see (``visible_history``): a revision above the current
      level is shown only to the author and the owners, so only they can raise a page back
      by a revert (both are among those allowed to raise);
    * restoring a lower level is a lowering: the author or the owners, with a ``reason``
      (recorded in the history and, where it applies, as a declassification);
    * a revert that restores a strictly confidential revision sets the named readers, so it is
      for the author and the owners only — refused to a named reader even when the lists
      happen to agree, because answering differently would tell them about the readers list;
    * anyone else who may edit the page may revert it to a revision at its current level
      that is not strictly confidential (no readers then or now).
    """
    try:
        # Only a revision the actor may see (SPEC §2.3): never copy back content
        # recorded above what they are allowed to read.
        old = visible_history(actor, page).get(history_id=version)
    except (page.history.model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"version": _("There is no such revision of this page.")}) from None
    level = old.classification
    changes = {"title": old.title, "body": old.body_source, "body_format": old.body_format}
    if level == Level.STRICTLY_CONFIDENTIAL or level != page.classification:
        if not manages_audience(actor, page):
            raise PermissionDenied(
                _("This revision would change the page's level or named readers: only its "
                  "author and the community's owners may restore it.")
            )
        changes["classification"] = level
        changes["readers"] = revision_readers(old, page.community)
    note = _("Reverted to revision %(v)s") % {"v": version}
    if (reason or "").strip():
        note = f"{note}: {reason.strip()}"
    page, _warnings = _wiki_update(actor=actor, page=page, reason=reason, changes=changes, note=note)
    return page


# --- attachments --------------------------------------------------------------------------


@transaction.atomic
def _attach(actor, item, upload) -> None:
    """The optional file of a post or wiki form: written with the item, in its transaction."""
    if upload:
        attachment_add(actor=actor, item=item, upload=upload)


def attachment_add(*, actor, item, upload):
    """Attach a file to a post (its author) or a wiki page (any editor), within size and type limits."""
    _require_writable(item.community)
    _request_write(item)
    if isinstance(item, Post):
        if item.author_id != actor.pk:
            raise PermissionDenied(_("Only the author can attach files to this post."))
        _require_member(actor, item.community)
        model, parent = PostAttachment, {"post": item}
    else:
        _require_member(actor, item.community)
        model, parent = WikiAttachment, {"page": item}
    name = os.path.basename(upload.name or "")[:200]
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            {"file": _("This type of file is not accepted. Accepted: %(types)s")
             % {"types": ", ".join(sorted(ATTACHMENT_TYPES))}}
        )
    max_bytes = settings.ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            # filesizeformat: a limit below 1 MB must not read "0 MB at most".
            {"file": _("The file is too large (%(size)s at most).")
             % {"size": filesizeformat(max_bytes)}}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return model.objects.create(
        file=upload, filename=name, content_type=ATTACHMENT_TYPES[ext], size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=actor, **parent,
    )


# --- the access log -----------------------------------------------------------------------


def log_view(user, item, via="web", target_type=None):
    """Write the access log line for a view of a strictly confidential item, or of an item
    escalated to management by a system manager (SPEC §2.2)."""
    target = _item_of(item)
    if target.classification != Level.STRICTLY_CONFIDENTIAL and not _management_view(user, target):
        return None
    if isinstance(item, PostAttachment | WikiAttachment):
        # A download is logged against the file itself (its level is its parent's).
        target_type, target_pk = target_type or "attachment", item.pk
    else:
        target_type = target_type or ("post" if isinstance(target, Post) else "wiki")
        target_pk = target.pk
    return AccessLog.objects.create(
        user=user,
        target_type=target_type,
        target_id=target_pk,
        community_id=target.community_id,
        classification=target.classification,
        via=via,
    )


def log_views(user, items, via="web"):
    """``log_view`` for a page of items shown at once (lists): one insert for all of them."""
    rows = [
        AccessLog(
            user=user,
            target_type="post" if isinstance(target, Post) else "wiki",
            target_id=target.pk,
            community_id=target.community_id,
            classification=target.classification,
            via=via,
        )
        for target in map(_item_of, items or [])
        if target.classification == Level.STRICTLY_CONFIDENTIAL or _management_view(user, target)
    ]
    return AccessLog.objects.bulk_create(rows) if rows else []


def _management_view(user, item) -> bool:
    """A system manager looking at an item escalated to management (logged, SPEC §2.2, §3)."""
    return bool(getattr(user, "is_superuser", False) and getattr(item, "escalated_at", None))


def visible_history(user, item):
    """An item's revisions ``user`` may see (SPEC §2.3): none unless the item is visible;
    revisions recorded above the current level only for the author and the owners."""
    if not can_view(user, item):
        return item.history.none()
    history = item.history.select_related("history_user").order_by("-history_date", "-history_id")
    if item.author_id == user.pk or role_in(user, item.community) == "owner":
        return history
    if not _has_own_level(item):
        # Comments carry no level of their own; their revisions go with the comment.
        return history
    from unisocial.classification import levels_up_to

    # The level now, not the one of a possibly stale instance (e.g. the one passed to a reclassify).
    current = type(item).objects.filter(pk=item.pk).values_list("classification", flat=True).first()
    return history.filter(classification__in=levels_up_to(current or item.classification))


def _has_own_level(item) -> bool:
    return any(f.name == "classification" for f in item.history.model._meta.fields)


def ensure_still_visible(actor, item):
    """After a write: the actor must still see what they saved (NetBox's ObjectEditView habit)."""
    return can_view(actor, item)



