"""The sentences of records management's notifications, written when read in the reader's
language (SPEC §7, §4; see ``notifications.messages``). Registered by ``RecordsConfig.ready()``."""

from django.utils.translation import gettext as _

from notifications.messages import Facts, register
from unisocial.classification import Level

from .models import ContentType


def _level(value) -> str:
    return str(Level(value).label) if value in Level.values else str(value or "")


@register("quarantine_restored")
def _restored(f: Facts) -> str:
    return _("A records officer restored %(type)s %(id)s from quarantine: it is back in your community.") % {
        "type": _type_label(f.data.get("type", "")), "id": f.data.get("id", "")
    }


def _type_label(value) -> str:
    # The item type's translated label ("post" -> "Message" in French), never the internal name.
    return str(ContentType(value).label) if value in ContentType.values else str(value or "")


@register("community_stale")
def _stale(f: Facts) -> str:
    return _(
        "%(community)s has had no activity since %(since)s. If it is still in use, confirm it by "
        "%(until)s; otherwise it will be archived (read-only)."
    ) % {"community": f.community, "since": f.date("since"), "until": f.date("until")}


@register("archived_stale")
def _archived_stale(f: Facts) -> str:
    return _("%(community)s was archived for inactivity: it is now read-only.") % {"community": f.community}


@register("archived_by_officers")
def _archived(f: Facts) -> str:
    return _("%(community)s was archived by the records officers: it is now read-only.") % {
        "community": f.community
    }


@register("unarchived_by_officers")
def _unarchived(f: Facts) -> str:
    return _("%(community)s was un-archived by the records officers: its members may write in it again.") % {
        "community": f.community
    }


@register("batch_owner_confirm")
def _owner_confirm(f: Facts) -> str:
    return _("Disposition batch %(id)s has items of %(community)s for you to confirm or withhold.") % {
        "id": f.data.get("batch", ""), "community": f.data.get("community", "")
    }


@register("batch_review")
def _batch_review(f: Facts) -> str:
    return _("Disposition batch %(id)s (%(schedule)s, %(n)d items) is waiting for your review.") % {
        "id": f.data.get("batch", ""), "schedule": f.data.get("schedule", ""), "n": int(f.data.get("n") or 0)
    }


@register("declassified")
def _declassified(f: Facts) -> str:
    return _("Records: your %(from)s %(what)s in %(community)s was declassified to %(to)s (ST/SGB/2007/6).") % {
        "from": _level(f.data.get("from")), "what": f.what, "community": f.community, "to": _level(f.data.get("to"))
    }
