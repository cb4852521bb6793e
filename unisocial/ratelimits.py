"""Per-person hourly limits on writes that could flood a queue (SPEC §3: flags and posts).

Counted from the database (rows the person created in the last hour), so the
limit holds across processes and restarts with no cache to share. A service
calls ``check_hourly`` before writing; ``RateLimited`` is a ``PermissionDenied``
(HTML views already show its message) that the API answers with 429.
"""
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.utils import timezone

WINDOW = timedelta(hours=1)


class RateLimited(PermissionDenied):
    """Too many writes of one kind in the last hour; ``wait`` is the seconds until the next is allowed."""

    def __init__(self, message, wait=None):
        super().__init__(message)
        self.message = message
        self.wait = wait

    def __str__(self):
        return str(self.message)


def check_hourly(queryset, *, limit: int, message: str, field="created_at") -> None:
    """Raise ``RateLimited`` when ``queryset`` holds ``limit`` rows or more created in the last hour."""
    since = timezone.now() - WINDOW
    recent = queryset.filter(**{f"{field}__gte": since})
    stats = recent.aggregate(n=Count("pk"), oldest=Min(field))
    if stats["n"] >= limit:
        wait = max(1, int((stats["oldest"] + WINDOW - timezone.now()).total_seconds()))
        raise RateLimited(message, wait=wait)

