"""Classification levels, labels and markings (SPEC §2, ST/SGB/2007/6).

Levels are ordered: unclassified < confidential < strictly_confidential.
Every page, listing, export, e-mail and archive package that shows an object
shows its marking as text (the ``classification_badge`` template tag).
"""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Level(models.TextChoices):
    UNCLASSIFIED = "unclassified", _("Unclassified")
    CONFIDENTIAL = "confidential", _("Confidential")
    STRICTLY_CONFIDENTIAL = "strictly_confidential", _("Strictly Confidential")


LEVEL_ORDER = {
    Level.UNCLASSIFIED: 0,
    Level.CONFIDENTIAL: 1,
    Level.STRICTLY_CONFIDENTIAL: 2,
}


def rank(level: str) -> int:
    return LEVEL_ORDER[Level(level)]


def levels_up_to(ceiling: str) -> list[str]:
    """The levels allowed under ``ceiling``, lowest first."""
    return [lv.value for lv in Level if rank(lv) <= rank(ceiling)]


def levels_above(ceiling: str) -> list[str]:
    return [lv.value for lv in Level if rank(lv) > rank(ceiling)]


def highest(levels) -> str:
    """The highest of ``levels`` (unclassified for none)."""
    return max(levels, key=rank, default=Level.UNCLASSIFIED.value)


class Visibility(models.TextChoices):
    OPEN = "open", pgettext_lazy("community visibility", "Open")
    MODERATED = "moderated", _("Moderated")
    RESTRICTED = "restricted", _("Restricted")


# SPEC §2.1: the highest ceiling each visibility allows.
MAX_CEILING = {
    Visibility.OPEN: Level.UNCLASSIFIED,
    Visibility.MODERATED: Level.CONFIDENTIAL,
    Visibility.RESTRICTED: Level.STRICTLY_CONFIDENTIAL,
}


def ceiling_allowed(visibility: str, ceiling: str) -> bool:
    return rank(ceiling) <= rank(MAX_CEILING[Visibility(visibility)])


class Status(models.TextChoices):
    """Life-cycle of a post or wiki page (SPEC §2.2, §3)."""

    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Pending moderation")
    HIDDEN = "hidden", _("Hidden by moderation")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Disposed of by a records batch, waiting for its purge (SPEC §4): invisible to everyone
    # like a withdrawn item, restorable by a records officer until then.
    QUARANTINED = "quarantined", _("In records quarantine")


# The statuses no one sees an item in (SPEC §2.2, §4): no branch of the access rule selects them.
GONE_STATUSES = (Status.WITHDRAWN, Status.QUARANTINED)


class Role(models.TextChoices):
    """A person's role in a community (§2.1), part of the shared vocabulary:
    pages of every app show it, and the core's template tags label it."""

    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")
