"""Report selectors for records officers (SPEC §4 reports): metadata only, never a title or a body.

What they read — counts by community, type, level and age; dates; ids; community slugs and names;
who viewed which strictly confidential item (username, type, id) — covers every community and
every level, restricted and strictly confidential included: these reads do not go through the
access rule, on purpose (tests/security/test_raw_reads.py allows them by name). Records officers
manage retention for the whole estate, so a count that left out what they are not members of would
be wrong; they never read content here, and wherever they read an item's title or body, SPEC §2.2
applies to them as to anyone.

Two ways in:

* the synchronous selectors ``inventory``, ``stale``, ``due`` (and ``access_log``)
  — one or a few aggregate queries each, answered on request by the API
  (``/api/v1/records/inventory/`` …, SPEC §6);
* the chunked runners ``RUNNERS[kind](as_of=, progress=)`` behind the report
  pages: the same computation cut into steps (a slice of communities, a
  schedule, a page of the access log), calling ``progress(done, total)`` after
  each step so the page can show how far a run in Celery has got. They return
  the selector's result made JSON-safe (``json_safe``): a run's stored result
  equals what the selector answers for the same ``as_of``.

Both share the per-step helpers below, so the two cannot drift apart.
"""
import datetime as dt
import math
from collections import defaultdict

from django.conf import settings
from django.db.models import Case, Count, DateTimeField, ExpressionWrapper, F, IntegerField, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from communities.models import Community
from posts.models import Post, WikiPage
from posts.models.access_log import AccessLog

from .disposition import due_items
from .models import RetentionSchedule, StalenessReview

AGE_BUCKETS = [(365, "<1y"), (3 * 365, "1-3y"), (7 * 365, "3-7y"), (20 * 365, "7-20y")]
AGE_LABELS = [label for _d, label in AGE_BUCKETS] + [">20y"]


def json_safe(value):
    """``value`` with datetimes and dates as ISO 8601 strings (full precision), for a JSON field."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _no_progress(done, total):
    pass


# --- inventory ---------------------------------------------------------------------------------


def _age_bucket(now):
    return Case(
        *(
            When(created_at__gt=now - dt.timedelta(days=days), then=Value(i))
            for i, (days, _l) in enumerate(AGE_BUCKETS)
        ),
        default=Value(len(AGE_BUCKETS)),
        output_field=IntegerField(),
    )


def _count_items(counts, *, now, lower=None, upper=None) -> None:
    """Add to ``counts`` the items of the communities with ``lower <= id < upper`` (open when None):
    one aggregate query per content kind."""
    bounds = {}
    if lower is not None:
        bounds["community_id__gte"] = lower
    if upper is not None:
        bounds["community_id__lt"] = upper
    for kind, model in (("post", Post), ("wiki", WikiPage)):
        rows = (
            model.objects.order_by().filter(**bounds).annotate(age=_age_bucket(now))
            .values("community_id", "classification", "age").annotate(n=Count("pk"))
        )
        for row in rows:
            counts[(row["community_id"], kind, row["classification"], AGE_LABELS[row["age"]])] += row["n"]


def _inventory_rows(counts, names) -> list[dict]:
    return [
        {"community": names.get(cid), "type": kind, "classification": level, "age": age, "count": n}
        for (cid, kind, level, age), n in sorted(counts.items(), key=lambda kv: (names.get(kv[0][0]) or "", kv[0][1:]))
    ]


def inventory(*, now=None) -> list[dict]:
    """Item counts by community × type × level × age (from creation)."""
    now = now or timezone.now()
    counts = defaultdict(int)
    _count_items(counts, now=now)
    names = dict(Community.objects.filter(pk__in={k[0] for k in counts}).values_list("pk", "slug"))
    return _inventory_rows(counts, names)


def run_inventory(*, as_of, progress=_no_progress, slice_size=None) -> dict:
    """``inventory(now=as_of)`` in slices of communities (by id range), one step per slice."""
    size = slice_size or settings.RECORDS_REPORT_COMMUNITY_SLICE
    ids = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    # Slice boundaries; the first slice is open below and the last open above, so nothing is missed.
    starts = [None, *ids[size::size]]
    total = len(starts)
    progress(0, total)
    counts, names = defaultdict(int), {}
    for n, lower in enumerate(starts):
        upper = starts[n + 1] if n + 1 < total else None
        _count_items(counts, now=as_of, lower=lower, upper=upper)
        in_slice = Community.objects.order_by()
        if lower is not None:
            in_slice = in_slice.filter(pk__gte=lower)
        if upper is not None:
            in_slice = in_slice.filter(pk__lt=upper)
        names.update(in_slice.values_list("pk", "slug"))
        progress(n + 1, total)
    return json_safe({"rows": _inventory_rows(counts, names)})


# --- stale communities (a bounded list: answered on request) -------------------------------


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


# --- due for disposition -------------------------------------------------------------------


def _due_for_schedule(schedule, *, now, horizon, forecast) -> dict:
    """One schedule's row; adds its items falling due before ``horizon`` to ``forecast`` by month."""
    due_now = due_items(schedule, now=now).count()
    # Forecast: each item's due date (last activity + retain_days) first, then its month. Truncating
    # the last activity to its month before adding the retention moved items into earlier months
    # (11 Nov + 60 days is 10 Jan, but 1 Nov + 60 days is 31 Dec, "this month" on 1 Dec, dropped).
    due_at = ExpressionWrapper(
        F("last_activity") + dt.timedelta(days=schedule.retain_days), output_field=DateTimeField()
    )
    later = (
        due_items(schedule, now=horizon).annotate(month=TruncMonth(due_at))
        .values("month").annotate(n=Count("pk")).order_by("month")
    )
    this_month = f"{now:%Y-%m}"
    upcoming = 0
    for row in later:
        month = f"{row['month']:%Y-%m}" if row["month"] else None
        if month and month > this_month:
            forecast[month] += row["n"]
            upcoming += row["n"]
    return {
        "schedule": schedule.pk,
        "name": schedule.name,
        "content_type": schedule.content_type,
        "classification": schedule.classification,
        "retain_days": schedule.retain_days,
        "disposition": schedule.disposition,
        "due_now": due_now,
        "due_next_months": upcoming,
    }


def _due_result(now, schedules, forecast) -> dict:
    return {
        "as_of": now,
        "schedules": schedules,
        "forecast": [{"month": m, "count": n} for m, n in sorted(forecast.items())],
    }


def due(*, now=None, months=12) -> dict:
    """Per schedule: items due now, and a forecast of how many fall due each month for ``months`` months."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=31 * months)
    forecast = defaultdict(int)
    schedules = [
        _due_for_schedule(schedule, now=now, horizon=horizon, forecast=forecast)
        for schedule in RetentionSchedule.objects.order_by("pk")
    ]
    return _due_result(now, schedules, forecast)


def run_due(*, as_of, progress=_no_progress, months=12) -> dict:
    """``due(now=as_of)``, one step per retention schedule."""
    horizon = as_of + dt.timedelta(days=31 * months)
    plan = list(RetentionSchedule.objects.order_by("pk"))
    total = max(len(plan), 1)
    progress(0, total)
    forecast, schedules = defaultdict(int), []
    for n, schedule in enumerate(plan):
        schedules.append(_due_for_schedule(schedule, now=as_of, horizon=horizon, forecast=forecast))
        progress(n + 1, total)
    if not plan:
        progress(1, 1)
    return json_safe(_due_result(as_of, schedules, forecast))


# --- access log of strictly confidential items ---------------------------------------------


ACCESS_FIELDS = ("id", "at", "user__username", "target_type", "target_id", "classification", "community__slug",
                 "via")


def _access_row(row) -> dict:
    return {"id": row["id"], "at": row["at"], "user": row["user__username"], "target_type": row["target_type"],
            "target_id": row["target_id"], "classification": row["classification"],
            "community": row["community__slug"], "via": row["via"]}


def _access_log_qs(as_of):
    qs = AccessLog.objects.order_by("-at", "-id")
    return qs.filter(at__lte=as_of) if as_of is not None else qs


def access_log(*, as_of=None, limit=None) -> list[dict]:
    """Views of strictly confidential items logged up to ``as_of``, newest first: who, what (ids), when, how."""
    qs = _access_log_qs(as_of).values(*ACCESS_FIELDS)
    return [_access_row(r) for r in (qs[:limit] if limit is not None else qs)]


def row_cap() -> int:
    """How many access log rows a run keeps (the page and the CSV show the newest this many)."""
    return settings.RECORDS_REPORT_ROW_CAP


def run_access_log(*, as_of, progress=_no_progress, chunk=1000, cap=None) -> dict:
    """``access_log(as_of=as_of, limit=cap)`` in pages of ``chunk`` rows (keyset on ``at``, ``id``)."""
    cap = row_cap() if cap is None else cap
    count = _access_log_qs(as_of).count()
    wanted = min(count, cap)
    total = max(math.ceil(wanted / chunk), 1)
    progress(0, total)
    rows, last = [], None
    for n in range(total):
        page = _access_log_qs(as_of)
        if last is not None:
            page = page.filter(Q(at__lt=last["at"]) | Q(at=last["at"], id__lt=last["id"]))
        got = [_access_row(r) for r in page.values(*ACCESS_FIELDS)[: min(chunk, wanted - len(rows))]]
        rows.extend(got)
        if not got:  # rows went while we read (none should: the log is kept): finish early
            progress(total, total)
            break
        last = got[-1]
        progress(n + 1, total)
    return json_safe({"rows": rows, "total": count, "truncated": count > len(rows), "cap": cap})


RUNNERS = {"inventory": run_inventory, "due": run_due, "access_log": run_access_log}
