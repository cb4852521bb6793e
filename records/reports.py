"""Report selectors for records officers (SPEC §4 reports): aggregated metadata only, no titles or bodies.

Each is one or a few aggregate queries, so they stay quick at a million posts.
The pages and CSV exports at ``/records/`` build on these.
"""
import datetime as dt
from collections import defaultdict

from django.db.models import Case, Count, IntegerField, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from communities.models import Community
from posts.models import Post, WikiPage

from .disposition import due_items
from .models import RetentionSchedule, StalenessReview

AGE_BUCKETS = [(365, "<1y"), (3 * 365, "1-3y"), (7 * 365, "3-7y"), (20 * 365, "7-20y")]


def _age_bucket(now):
    return Case(
        *(
            When(created_at__gt=now - dt.timedelta(days=days), then=Value(i))
            for i, (days, _l) in enumerate(AGE_BUCKETS)
        ),
        default=Value(len(AGE_BUCKETS)),
        output_field=IntegerField(),
    )


def inventory(*, now=None) -> list[dict]:
    """Item counts by community × type × level × age (from creation)."""
    now = now or timezone.now()
    labels = [label for _d, label in AGE_BUCKETS] + [">20y"]
    counts = defaultdict(int)
    for kind, model in (("post", Post), ("wiki", WikiPage)):
        rows = (
            model.objects.order_by().annotate(age=_age_bucket(now))
            .values("community_id", "classification", "age").annotate(n=Count("pk"))
        )
        for row in rows:
            counts[(row["community_id"], kind, row["classification"], labels[row["age"]])] += row["n"]
    names = dict(Community.objects.filter(pk__in={k[0] for k in counts}).values_list("pk", "slug"))
    return [
        {"community": names.get(cid), "type": kind, "classification": level, "age": age, "count": n}
        for (cid, kind, level, age), n in sorted(counts.items(), key=lambda kv: (names.get(kv[0][0]) or "", kv[0][1:]))
    ]


def stale(*, now=None) -> list[dict]:
    """Communities flagged and waiting for their owners, and those confirmed or archived since."""
    rows = StalenessReview.objects.select_related("community", "resolved_by").order_by("-flagged_at", "-id")
    return [
        {
            "community": r.community.slug,
            "name": r.community.name,
            "state": r.state,
            "last_activity_at": r.last_activity_at,
            "flagged_at": r.flagged_at,
            "grace_until": r.grace_until,
            "resolved_at": r.resolved_at,
            "resolved_by": r.resolved_by.username if r.resolved_by else None,
            "is_archived": r.community.is_archived,
        }
        for r in rows[:1000]
    ]


def _add_days_to_month(month_start, days) -> str:
    shifted = month_start + dt.timedelta(days=days)
    return f"{shifted:%Y-%m}"


def due(*, now=None, months=12) -> dict:
    """Per schedule: items due now, and a forecast of how many fall due each month for ``months`` months."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=31 * months)
    schedules = []
    forecast = defaultdict(int)
    for schedule in RetentionSchedule.objects.order_by("pk"):
        due_now = due_items(schedule, now=now).count()
        # Forecast: items whose last activity + retain_days falls before the horizon, by month.
        later = (
            due_items(schedule, now=horizon).annotate(month=TruncMonth("last_activity"))
            .values("month").annotate(n=Count("pk")).order_by("month")
        )
        upcoming = 0
        for row in later:
            month = _add_days_to_month(row["month"], schedule.retain_days) if row["month"] else None
            if month and month > f"{now:%Y-%m}":
                forecast[month] += row["n"]
                upcoming += row["n"]
        schedules.append({
            "schedule": schedule.pk,
            "name": schedule.name,
            "content_type": schedule.content_type,
            "classification": schedule.classification,
            "retain_days": schedule.retain_days,
            "disposition": schedule.disposition,
            "due_now": due_now,
            "due_next_months": upcoming,
        })
    return {
        "as_of": now,
        "schedules": schedules,
        "forecast": [{"month": m, "count": n} for m, n in sorted(forecast.items())],
    }
