"""Celery tasks for records management (SPEC §4). Thin: ids in, a service call, safe to run twice.

* ``staleness_task`` and ``gather_due_task`` — daily; ``run_approved_batches_task`` —
  every five minutes (schedules: migration ``records/0002_beat_schedule``). Each
  runs at most once per window (``jobs.run_once``: two beats do nothing twice).
* ``run_batch_task(batch_id)`` — queued on commit of the approval; runs the batch
  in slices below the task time limit and the broker's visibility timeout, each
  item in its own transaction, so a redelivered or duplicated task only finishes
  what is left. See docs/records.md for how Celery on Redis loses or repeats
  work and what we do about each.
"""
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import disposition, jobs, staleness


@shared_task(acks_late=True, ignore_result=True)
def staleness_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.STALENESS, jobs.daily_window(now), lambda: staleness.staleness_sweep(now=now))


@shared_task(acks_late=True, ignore_result=True)
def gather_due_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.GATHER_DUE, jobs.daily_window(now), lambda: disposition.gather_due(now=now))


@shared_task(acks_late=True, ignore_result=True)
def run_approved_batches_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.RUN_BATCHES, jobs.slot_window(now),
                         lambda: disposition.run_approved_batches(now=now))


@shared_task(bind=True, acks_late=True, ignore_result=True)
def run_batch_task(self, batch_id: int) -> dict:
    budget = getattr(settings, "RECORDS_BATCH_SLICE_SECONDS", 300)
    result = disposition.run_batch(batch_id, budget_seconds=budget)
    if result["more"]:
        # Continue in a new task on the same queue: no task outlives the time limit.
        queue = (self.request.delivery_info or {}).get("routing_key")
        self.apply_async((batch_id,), **({"queue": queue} if queue else {}))
    return result
