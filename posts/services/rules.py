"""The rules every write on an item shares: membership and writability, levels and readers,
mentions, tags, and the one change of an item's level (SPEC §2.2–2.4)."""
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from guardian.shortcuts import assign_perm

from communities.access import item_audience, role_in, users_who_can_view
from communities.models import Community
from communities.services import ReadOnly, require_can_write, require_writable  # noqa: F401 — ReadOnly: named by posts.services too
from communities.services import require_member as _require_member
from notifications.services import notify_item
from unisocial.classification import Level, rank
from unisocial.sanitize import render

from .. import signals
from ..models import Post, Tag
from .addresses import _readdress_when_raised

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


MAX_TAGS = 10


def _require_writable(community: Community):
    require_writable(community)


def request_item_write(item):
    """Ask the apps built on posts whether ``item`` may be written (``signals.item_write_requested``):
    a receiver refuses by raising — records, for an item under a records hold (SPEC §4). Every
    write on an existing item asks, here and in moderation (which may not import records)."""
    signals.item_write_requested.send(sender=type(item), item=item)


_request_write = request_item_write


def item_write_refusal(item) -> str | None:
    """What a receiver of ``signals.item_write_requested`` would refuse a write on ``item`` with
    (its message), or ``None`` when the write may go ahead. For a write that must not fail when
    refused but do less (moderation's automatic hide: a report on a held item is filed, the item
    stays as it is), and for a page that says so before anyone types."""
    try:
        request_item_write(item)
    except PermissionDenied as error:
        return str(error) or _("This item cannot be changed.")
    return None


# What "only the author" says of each kind of item (the pages, the API and the services alike).
_AUTHOR_ONLY = {
    "post": _lazy("Only the author can change this post."),
    "comment": _lazy("Only the author can change this comment."),
}


def require_can_change(actor, item) -> None:
    """May ``actor`` change (edit, withdraw) their own post or comment now: its community is
    writable, they are its author and still an active member (authorship gives no right without
    one, SPEC §2.2), and no app refuses the write (a records hold, SPEC §4). The one check the
    services, the pages (before showing a form) and the API (before reading input) all ask."""
    community = item.post.community if hasattr(item, "post_id") else item.community
    _require_writable(community)
    if item.author_id != actor.pk:
        raise PermissionDenied(_AUTHOR_ONLY["comment" if hasattr(item, "post_id") else "post"])
    _require_member(actor, community)
    _request_write(item)


def require_can_edit_page(actor, page) -> None:
    """May ``actor`` edit (or revert) wiki ``page`` now: any active member of its writable
    community may, unless an app refuses the write (a records hold). Who may change its level
    and readers is ``check_audience_change``'s, on what is sent."""
    require_can_write(actor, page.community)
    _request_write(page)


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


def apply_edit(actor, item, changes, reason, *, fields, untitled) -> tuple[str, list]:
    """The edit steps a post and a wiki page share (SPEC §2.3), on the locked ``item``, before it
    is saved: refuse fields outside ``fields``; change the level (raised, or lowered with a reason)
    through ``item_change_level``; set title, format and body; re-check the named readers (kept
    from the grants when none are sent, and only while strictly confidential). ``untitled`` is the
    error for an empty title. Returns the previous body source (for new mentions) and the readers,
    which the caller records on the revision and grants after saving."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in unknown})
    if "classification" in changes:
        level = choose_level(item.community, changes["classification"])
        check_level_change(actor, item, level, reason)
        item_change_level(actor=actor, item=item, classification=level, reason=reason, via="edit", save=False)
    if "title" in changes:
        if not (changes["title"] or "").strip():
            raise ValidationError({"title": untitled})
        item.title = changes["title"].strip()[:200]
    if changes.get("language"):  # SPEC §7; an empty choice keeps the item's
        item.language = changes["language"]
    if "body_format" in changes:
        item.body_format = changes["body_format"]
    previous_source = item.body_source
    if "body" in changes:
        item.body_source = changes["body"] or ""
    if "body" in changes or "body_format" in changes:
        item.body = _body(item.body_source, item.body_format)
    readers = changes.get("readers")
    if readers is None:
        readers = []
        if item.classification == Level.STRICTLY_CONFIDENTIAL:
            readers = [grant.user for grant in item.reader_grants.select_related("user")]
    readers = validate_readers(item.community, item.classification, readers)
    _record_readers(item, readers)
    return previous_source, readers


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


class MentionWarning(str):
    """The warning naming mentioned people who cannot see the item (SPEC §2.4): a string (the
    API's ``warnings``) that knows the names it gives, so that a page can leave out those the
    author has already been told of in the preview."""

    names: tuple[str, ...] = ()


def mention_warning(names) -> MentionWarning:
    warning = MentionWarning(
        _("Not notified, because they cannot see this item: %(names)s") % {"names": ", ".join(names)}
    )
    warning.names = tuple(names)
    return warning


def _mentioned_users(actor, source) -> list:
    from django.contrib.auth import get_user_model

    names = _mentioned(source) - {actor.username}
    if not names:
        return []
    return list(get_user_model().objects.filter(username__in=names, is_active=True))


def mentions_outside(actor, audience, source) -> list[str]:
    """The usernames ``source`` mentions (``actor`` aside) of people outside ``audience``."""
    users = _mentioned_users(actor, source)
    if not users:
        return []
    inside = set(audience.filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    return sorted(u.username for u in users if u.pk not in inside)


def preview_mention_warnings(*, actor, community, classification, author, readers, source, item=None) -> list[str]:
    """The warning of ``_mentions`` for an item not yet saved, as it would be published: shown
    in the preview, before publishing (SPEC §2.3). ``readers=None`` (an editor who does not see
    them, SPEC §2.3): the edit keeps the saved ``item``'s level and readers, so its audience."""
    if readers is None and item is not None:
        audience = item_audience(item)
    else:
        audience = users_who_can_view(
            community=community, classification=classification, author=author,
            reader_ids=[r.pk for r in readers or []],
        )
    names = mentions_outside(actor, audience, source)
    return [mention_warning(names)] if names else []


def mentions_warned_before(actor, item) -> list[str]:
    """Before an edit: whom the item's text already mentions and who cannot see it. The edit
    warns of them again only if that changes, not after every save (``_mentions``)."""
    return mentions_outside(actor, item_audience(item), item.body_source)


def _mentions(actor, item, source, previous="", warned_before=()) -> list[str]:
    """Notify mentioned people who can see the item; return warnings naming those who cannot.

    On an edit, people already mentioned in the ``previous`` source are not notified again, and
    those already out of sight before it (``warned_before``) are not named again.
    """
    users = _mentioned_users(actor, source)
    if not users:
        return []
    already = _mentioned(previous)
    audience = set(item_audience(_item_of(item)).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    can = [u for u in users if u.pk in audience and u.username not in already]
    cannot = sorted(u.username for u in users if u.pk not in audience and u.username not in set(warned_before))
    if can:
        transaction.on_commit(lambda: notify_item(can, item=item, kind="mention", actor=actor))
    if cannot:
        return [mention_warning(cannot)]
    return []


def notify_mentions_on_publish(item) -> list[str]:
    """A pending item just approved (moderation): its mentions are heard now, not when it was written."""
    return _mentions(item.author, item, item.body_source)


def _item_of(obj):
    """The post or wiki page whose level and audience ``obj`` has (comments and files inherit)."""
    parent = getattr(type(obj), "access_parent", None)
    return getattr(obj, parent) if parent else obj
