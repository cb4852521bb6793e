"""What a notification says, built when it is shown or sent, in the reader's language (SPEC §7, §2.4).

A notification stores what happened — ``event`` (which sentence), ``actor``, the community, the
item (``target_type``/``target_id``), the level it was sent at and a little ``data`` — never the
sentence. ``render(notification)`` builds the sentence in the active language (or ``language``),
from the item as it is *now*: its title only while it is unclassified, otherwise only its level
and community (§2.4), never a stale level. Pages and the API read rows through
``notifications.selectors.visible_notifications``, which annotates that state
(``target_classification``, ``target_title``) and keeps out items the reader can no longer see, so
a sentence cannot name one; ``render_all`` renders a page of them with a fixed number of queries.

Each app writes the sentences of its own events: it registers a function per event with
``@register("event")`` in a module its ``AppConfig.ready()`` imports (``communities.notices``,
``moderation.notices``, ``records.notices``), so this floor imports nothing above it. The item
events (comment, reply, mention) are written here, with ``notify_item``.

Rows written before this (``event`` blank) keep their old text in ``legacy_message``, shown as is
(the migration rebuilt the events it could: see ``0002_notification_event``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from unisocial import items
from unisocial.classification import Level

_RENDERERS: dict[str, Callable[[Facts], str]] = {}


def register(event: str):
    """Decorate the function that writes ``event``'s sentence from its ``Facts``."""

    def decorate(fn):
        _RENDERERS[event] = fn
        return fn

    return decorate


def reader_language(user) -> str:
    """The language ``user`` reads notifications and e-mails in: their own, else the site's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


class Facts:
    """What a sentence may say about one notification, read in the active language."""

    def __init__(self, notification, users: dict[int, object] | None = None):
        self.n = notification
        self.data = notification.data or {}
        self._users = users or {}
        level, title = _target_state(notification)
        self.level = level
        # No title above unclassified (SPEC §2.4), whatever it was when sent.
        self.title = title if level == Level.UNCLASSIFIED else ""

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)

    @property
    def community(self) -> str:
        return self.n.community.name if self.n.community_id else ""

    @property
    def actor(self) -> str:
        return str(self.n.actor) if self.n.actor_id else _("someone")

    @property
    def what(self) -> str:
        """The item's kind as a sentence calls it ("post", "comment", "wiki page")."""
        name = self.data.get("what") or self.n.target_type
        return str(items.item_type(name).verbose_name) if name in items.ITEM_TYPES else ""

    def user(self, key: str = "user_id") -> str:
        """The name of the person ``data[key]`` names (loaded once per page by ``render_all``)."""
        pk = self.data.get(key)
        user = self._users.get(pk) if pk is not None else None
        if user is None and pk is not None:
            user = get_user_model().objects.filter(pk=pk).first()
        return str(user) if user is not None else _("someone")

    def date(self, key: str) -> str:
        """``data[key]`` (an ISO date or date-time) in the active language's date format."""
        value = self.data.get(key) or ""
        parsed = parse_datetime(value) if "T" in value else parse_date(value)
        if parsed is None:
            return value
        if isinstance(parsed, datetime) and timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)  # the day it is where the site is
        return date_format(parsed, "DATE_FORMAT")


def _target_state(n) -> tuple[str, str]:
    """The item's level and title now: ``visible_notifications``' annotations, or (a row read
    otherwise, e.g. just written) from the item as its recipient may see it."""
    if hasattr(n, "target_classification"):
        return n.target_classification or n.classification, getattr(n, "target_title", "") or ""
    if not n.target_type or n.target_type not in items.ITEMS:
        return n.classification, ""
    # Through the access rule, for the recipient: an item they can no longer see lends no title.
    t = items.item_type(n.target_type)
    title_path = f"{t.parent}__title" if t.parent else "title"
    row = (
        items.visible(n.recipient, n.target_type)
        .filter(pk=n.target_id)
        .values_list(t.level_path, title_path)
        .first()
    )
    return (row[0], row[1] or "") if row else (n.classification, "")


def item_sentence(what: str, f: Facts) -> str:
    """``what`` happened to an item: its title while unclassified, else only level and community."""
    if f.title:
        if not f.community:
            return _("%(kind)s: “%(title)s”") % {"kind": what, "title": f.title}
        return _("%(what)s: “%(title)s” in %(community)s") % {
            "what": what, "title": f.title, "community": f.community
        }
    if not f.community:
        return _("%(kind)s: a %(level)s item") % {"kind": what, "level": f.level_label}
    return _("%(what)s: a %(level)s item in %(community)s") % {
        "what": what, "level": f.level_label, "community": f.community
    }


@register("comment")
def _comment(f: Facts) -> str:
    return item_sentence(_("%(actor)s commented on your post") % {"actor": f.actor}, f)


@register("reply")
def _reply(f: Facts) -> str:
    return item_sentence(_("%(actor)s replied to your comment") % {"actor": f.actor}, f)


@register("mention")
def _mention(f: Facts) -> str:
    return item_sentence(_("%(actor)s mentioned you") % {"actor": f.actor}, f)


def _by_kind(f: Facts) -> str:
    """An event no function speaks for: what kind of news it is, about what."""
    kind = f.n.get_kind_display()
    if f.n.target_type:
        return item_sentence(kind, f)
    if f.community:
        return _("%(kind)s: %(community)s") % {"kind": kind, "community": f.community}
    return str(kind)


def _render(n, users) -> str:
    if not n.event:
        return n.legacy_message or _by_kind(Facts(n, users))
    return _RENDERERS.get(n.event, _by_kind)(Facts(n, users))


def render(notification, *, language: str | None = None, users=None) -> str:
    """``notification``'s sentence in ``language`` (default: the active one)."""
    with translation.override(language) if language else nullcontext():
        return _render(notification, users)


def render_all(notifications: Iterable, *, language: str | None = None) -> list:
    """Render each notification (setting ``rendered_message``, which ``display_message`` returns);
    the people named in their data are loaded in one query for all. Returns them as a list."""
    rows = list(notifications)
    ids = {v for n in rows for k, v in (n.data or {}).items() if k.endswith("user_id") and v}
    users = get_user_model().objects.in_bulk(ids) if ids else {}
    for n in rows:
        n.rendered_message = render(n, language=language, users=users)
    return rows
