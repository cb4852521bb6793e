"""Periodic jobs run at most once per time window (SPEC §4; docs/records.md).

Two beats firing the same job, or a task redelivered after its worker died,
must not run a window twice. ``run_once`` inserts the ``JobRun`` row for
``(job, window)`` in the same transaction as the job's work: a second run
waits on the unique key until the first commits and then finds the window
taken (does nothing); if the first run fails, its row rolls back with its
work and the window can run again.
"""
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun

STALENESS = "records.staleness"
GATHER_DUE = "records.gather_due"
RUN_BATCHES = "records.run_approved_batches"
PURGE = "records.purge_quarantine"


def daily_window(now) -> str:
    return timezone.localdate(now).isoformat()


def slot_window(now, minutes=5) -> str:
    now = timezone.localtime(now)
    if minutes >= 60:
        return now.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    return now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def run_once(job: str, window: str, work):
    """Run ``work()`` once for ``(job, window)``; return its result, or ``None`` if the window already ran."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=job, window=window)
        except IntegrityError:
            return None
        result = work()
        run.finished_at = timezone.now()
        run.result = result if isinstance(result, dict) else {"result": result}
        run.save(update_fields=["finished_at", "result"])
    return result


def as_of_datetime(day: dt.date):
    """"As if today were ``day``": that date at the current time of day (UTC)."""
    now = timezone.now()
    return now.replace(year=day.year, month=day.month, day=day.day)


def enqueue_on_commit(task, *args) -> None:
    """Queue a records task after the current transaction commits (the worker must see the rows it
    reads), on ``settings.RECORDS_QUEUE`` when one is set: how every records job is queued."""
    options = {"queue": settings.RECORDS_QUEUE} if settings.RECORDS_QUEUE else {}
    task.apply_async_on_commit(args, **options)
