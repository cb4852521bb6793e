"""Report runs (SPEC §4: "long jobs (reports …) run in Celery and show progress in the page").

The long reports — inventory, due for disposition, access log — are computed by
``run_report_task`` in Celery; the page shows the latest finished run's result
and, while a run is queued or running, its progress (``done``/``total`` steps).
Stale communities and holds are bounded lists read live on each request.

* ``report_request(actor=, kind=)`` — a records officer asks for a run; queued
  after commit. A run already queued or running is reused, not doubled.
* ``run_report(run_id)`` — what the task calls. Safe to deliver twice: a run
  done or failed is left alone, a running one with a fresh heartbeat belongs
  to another worker; one whose heartbeat went quiet for
  ``RECORDS_REPORT_STALL_SECONDS`` (a killed worker) is taken over and computed
  again from the start (reports only read). Each step writes its progress in
  its own short UPDATE, which also checks the run is still ours.
* ``latest_run`` / ``latest_finished_run`` — what the pages read.

Errors are stored in plain words for the page; the traceback goes to the log.
"""
import datetime as dt
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import jobs, reports
from .audit import audit, require_records_officer
from .models import ReportRun

log = logging.getLogger(__name__)

Kind, State = ReportRun.Kind, ReportRun.State
LONG_REPORTS = (Kind.INVENTORY, Kind.DUE, Kind.ACCESS_LOG)
ACTIVE_STATES = (State.QUEUED, State.RUNNING)


class RunTakenOver(Exception):
    """The run is no longer ours (marked failed as stalled, or taken over by another worker)."""


def stall_seconds() -> int:
    return settings.RECORDS_REPORT_STALL_SECONDS


def is_stalled(run, *, now=None) -> bool:
    """Queued or running, and nothing heard of it for ``stall_seconds``: its worker or message is gone."""
    if run.state not in ACTIVE_STATES:
        return False
    now = now or timezone.now()
    last = run.heartbeat_at or run.requested_at
    return last < now - dt.timedelta(seconds=stall_seconds())


def stalled_message() -> str:
    return _("The worker computing this report stopped answering (it may have been restarted). "
             "Run the report again.")


def plain_error(exc, run_id) -> str:
    """What went wrong, for a records officer: no traceback, no SQL, no data."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The report took longer than its time limit and was stopped. Run it again at a quieter time, "
                 "or ask the system managers to raise the limit.")
    if isinstance(exc, DatabaseError):
        return _("The database did not answer (it may have been busy or restarting). "
                 "Run the report again in a few minutes.")
    return _("The report stopped because of an unexpected error, logged for the system managers. "
             "Run it again; if it fails again, tell them the run number (%(id)s).") % {"id": run_id}


def enqueue_report(run_id: int) -> None:
    """Queue the run after the request commits (the worker must see the row)."""
    from .tasks import run_report_task

    jobs.enqueue_on_commit(run_report_task, run_id)


@transaction.atomic
def report_request(*, actor, kind) -> tuple[ReportRun, bool]:
    """A run of ``kind`` for ``actor``: the one already queued or running, or a new one queued on commit.

    Returns ``(run, created)``. A queued or running run that went quiet is marked
    failed (in plain words) and replaced.
    """
    require_records_officer(actor)
    if kind not in LONG_REPORTS:
        raise ValidationError({"kind": _("This report is not run in the background.")})
    now = timezone.now()
    active = list(
        ReportRun.objects.select_for_update().filter(kind=kind, state__in=ACTIVE_STATES)
        .defer("result").order_by("-requested_at", "-id")
    )
    for run in active:
        if not is_stalled(run, now=now):
            return run, False
    if active:
        ReportRun.objects.filter(pk__in=[r.pk for r in active], state__in=ACTIVE_STATES).update(
            state=State.FAILED, error=stalled_message(), finished_at=now
        )
    run = ReportRun.objects.create(kind=kind, requested_by=actor, requested_at=now, as_of=now)
    audit("report_requested", actor=actor, target_type="report", target_id=run.pk, kind=kind)
    enqueue_report(run.pk)
    return run, True


def _claim(run_id, now):
    """Make the run ours (running, fresh heartbeat) or say why not: returns ``(run, reason)``."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().defer("result").filter(pk=run_id).first()
        if run is None:
            return None, "missing"
        if run.state in (State.DONE, State.FAILED):
            return None, run.state
        if run.state == State.RUNNING and not is_stalled(run, now=now):
            return None, "busy"  # another worker has it and is alive
        run.state = State.RUNNING
        run.started_at = now  # also our claim: progress updates match on it
        run.heartbeat_at = now
        run.done = run.total = 0
        run.error = ""
        run.save(update_fields=["state", "started_at", "heartbeat_at", "done", "total", "error"])
        return run, None


def run_report(run_id: int) -> str | None:
    """Compute run ``run_id`` (the task's body). Returns the state it leaves, or why it did nothing."""
    claimed_at = timezone.now()
    run, reason = _claim(run_id, claimed_at)
    if run is None:
        return reason
    mine = ReportRun.objects.filter(pk=run_id, state=State.RUNNING, started_at=claimed_at)

    def progress(done, total):
        # Its own short UPDATE (autocommit in a worker): the page sees it at once.
        if not mine.update(done=done, total=total, heartbeat_at=timezone.now()):
            raise RunTakenOver

    try:
        result = reports.RUNNERS[run.kind](as_of=run.as_of, progress=progress)
    except RunTakenOver:
        return "taken_over"
    except Exception as exc:  # any failure is the run's, told in plain words; the details go to the log
        log.exception("records report run %s (%s) failed", run_id, run.kind)
        mine.update(state=State.FAILED, error=plain_error(exc, run_id), finished_at=timezone.now())
        return State.FAILED
    now = timezone.now()
    if not mine.update(state=State.DONE, result=result, finished_at=now, heartbeat_at=now):
        return "taken_over"
    return State.DONE


# --- reading -----------------------------------------------------------------------------------


def latest_run(kind):
    """The newest run of ``kind`` in any state, without its result (the progress and any error)."""
    return (
        ReportRun.objects.filter(kind=kind).select_related("requested_by").defer("result")
        .order_by("-requested_at", "-id").first()
    )


def latest_finished_run(kind):
    """The newest completed run of ``kind``, with its result."""
    return (
        ReportRun.objects.filter(kind=kind, state=State.DONE).select_related("requested_by")
        .order_by("-requested_at", "-id").first()
    )


def status_text(run, *, now=None) -> str:
    """One sentence on where ``run`` is, for the page and the progress JSON (the aria-live region)."""
    if run is None:
        return _("This report has not been run yet.")
    if is_stalled(run, now=now):
        return stalled_message()
    if run.state == State.QUEUED:
        return _("Queued: waiting for a worker.")
    if run.state == State.RUNNING:
        if not run.total:
            return _("Running: starting.")
        return _("Running: %(done)d of %(total)d steps.") % {"done": run.done, "total": run.total}
    if run.state == State.FAILED:
        return _("Failed: %(error)s") % {"error": run.error}
    return _("Done: %(total)d of %(total)d steps.") % {"total": run.total}
