"""Celery tasks for records management (SPEC §4). Thin: ids in, a service call, safe to run twice.

* ``staleness_task`` and ``gather_due_task`` — daily; ``run_approved_batches_task`` —
  every minute (a killed worker's batch is taken over within about two minutes:
  ``RECORDS_BATCH_STALL_SECONDS`` of silence, then the next beat); ``purge_quarantine_task``
  — hourly (schedules: ``settings.PERIODIC_TASKS``). Each
  runs at most once per window (``jobs.run_once``: two beats do nothing twice).
* ``gather_now_task(actor_id)`` — a records officer's "Gather now" (``schedules.gather_now``);
* ``run_batch_task(batch_id)`` — queued on commit of the approval; runs the batch
  in slices below the task time limit and the broker's visibility timeout, each
  item in its own transaction, so a redelivered or duplicated task only finishes
  what is left. See docs/records.md for how Celery on Redis loses or repeats
  work and what we do about each.
* ``run_report_task(run_id)`` — queued on commit of a records officer's request
  (``report_runs.report_request``); computes one long report with progress.
  A second delivery of a finished run does nothing; a run whose worker went
  quiet is taken over (see ``records.report_runs``).
* ``run_community_export_task(export_id)`` — queued on commit of an owner's request
  (``exports.export_request``); builds the package with progress, the same way.
* ``expire_community_exports_task`` — hourly: removes exports older than
  ``COMMUNITY_EXPORT_DAYS`` from storage (idempotent: only what is due, once).
"""
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import disposition, exports, jobs, quarantine, report_runs, schedules, staleness

# A report run's limits: well under the broker's visibility timeout (2 h), so a
# run is never redelivered while it is still running.
REPORT_SOFT_TIME_LIMIT = 15 * 60
REPORT_TIME_LIMIT = 20 * 60


@shared_task(acks_late=True, ignore_result=True)
def staleness_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.STALENESS, jobs.daily_window(now), lambda: staleness.staleness_sweep(now=now))


@shared_task(acks_late=True, ignore_result=True)
def gather_due_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.GATHER_DUE, jobs.daily_window(now), lambda: disposition.gather_due(now=now))


@shared_task(acks_late=True)
def gather_now_task(actor_id: int) -> dict:
    """A records officer's "Gather now" (``schedules.gather_now``). Safe to run twice: a second
    gathering finds the items already in open batches and gathers nothing new."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first()
    return schedules.gather_now(actor=actor, now=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def run_approved_batches_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.RUN_BATCHES, jobs.slot_window(now, minutes=1),
                         lambda: disposition.run_approved_batches(now=now))


@shared_task(acks_late=True, ignore_result=True)
def purge_quarantine_task() -> dict | None:
    now = timezone.now()
    return jobs.run_once(jobs.PURGE, jobs.slot_window(now, minutes=60), lambda: quarantine.purge_due(now=now))


@shared_task(bind=True, acks_late=True, ignore_result=True)
def run_batch_task(self, batch_id: int) -> dict:
    budget = settings.RECORDS_BATCH_SLICE_SECONDS
    result = disposition.run_batch(batch_id, budget_seconds=budget)
    if result["more"]:
        # Continue in a new task on the same queue: no task outlives the time limit.
        queue = (self.request.delivery_info or {}).get("routing_key")
        self.apply_async((batch_id,), **({"queue": queue} if queue else {}))
    return result


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=REPORT_SOFT_TIME_LIMIT,
             time_limit=REPORT_TIME_LIMIT)
def run_report_task(run_id: int) -> str | None:
    return report_runs.run_report(run_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=REPORT_SOFT_TIME_LIMIT,
             time_limit=REPORT_TIME_LIMIT)
def run_community_export_task(export_id: int) -> str | None:
    return exports.run_export(export_id)


@shared_task(acks_late=True, ignore_result=True)
def expire_community_exports_task() -> dict:
    return exports.expire_exports()
