"""The records audit log (SPEC §4: placing, releasing, flagging, archiving, disposing — dated and logged).

Jobs change many rows with set-based updates, which write no simple-history
rows; every such change writes an explicit row here instead.
"""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import RecordsAuditLog


def audit(action, *, actor=None, target_type="", target_id="", **details) -> RecordsAuditLog:
    return RecordsAuditLog.objects.create(
        actor=actor, action=action, target_type=target_type, target_id=str(target_id or ""), details=details
    )


def audit_many(rows) -> None:
    """``rows``: dicts of ``audit``'s arguments; one insert for all (set-based jobs)."""
    entries = [
        RecordsAuditLog(
            actor=row.get("actor"),
            action=row["action"],
            target_type=row.get("target_type", ""),
            target_id=str(row.get("target_id", "") or ""),
            details=row.get("details", {}),
        )
        for row in rows
    ]
    RecordsAuditLog.objects.bulk_create(entries, batch_size=1000)


def require_records_officer(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_records_officer):
        raise PermissionDenied(_("Only records officers may do this."))
