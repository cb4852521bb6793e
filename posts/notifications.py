"""Writing notifications. Content-free for confidential and above (SPEC §2.4)."""
from .models import Notification


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
