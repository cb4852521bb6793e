"""Writing notifications (SPEC §2.4).

Recipients are checked against the access rule when the notification is
written, not when the event happened; notifications about confidential and
strictly confidential items carry no title, body or excerpt — only the level,
the community and a link.
"""
from django.utils.translation import gettext as _

from unisocial.access import item_audience
from unisocial.classification import Level

from .models import Comment, Notification


def notify(recipients, *, kind, message, community=None, url="", classification="unclassified"):
    rows = [
        Notification(
            recipient_id=getattr(r, "pk", r),
            kind=kind,
            community=community,
            classification=classification,
            message=str(message)[:300],
            url=url,
        )
        for r in recipients
    ]
    Notification.objects.bulk_create(rows)
    return rows


def notify_item(recipients, *, item, kind, actor):
    """Notify about ``item`` (post, comment or wiki page) those recipients who can see it now."""
    target = item.post if isinstance(item, Comment) else item
    ids = [getattr(r, "pk", r) for r in recipients]
    allowed = list(item_audience(target).filter(pk__in=ids).values_list("pk", flat=True))
    if not allowed:
        return []
    community = target.community
    level = target.classification
    url = item.get_absolute_url()
    what = {
        "comment": _("%(actor)s commented on your post"),
        "reply": _("%(actor)s replied to your comment"),
        "mention": _("%(actor)s mentioned you"),
    }.get(kind, _("%(actor)s updated an item")) % {"actor": actor}
    if level == Level.UNCLASSIFIED:
        message = _("%(what)s: “%(title)s” in %(community)s") % {
            "what": what, "title": target.title, "community": community.name
        }
    else:
        # No title, body or excerpt above unclassified (SPEC §2.4).
        message = _("%(what)s: a %(level)s item in %(community)s") % {
            "what": what, "level": Level(level).label, "community": community.name
        }
    return notify(allowed, kind=kind, message=message, community=community, url=url, classification=level)
