"""The periodic jobs under the embedded default (SPEC §4 beat jobs, §8 ``make run``).

With ``REDIS_URL`` set, celery beat (django_celery_beat's database scheduler) fires the
periodic tasks of ``settings.PERIODIC_TASKS`` and workers run them. The embedded default has
no broker, no worker and no beat: tasks run in process when something calls them, and the
periodic ones never would — nothing would flag stale communities, gather due items into
batches or run approved ones under ``make run``.

So, in that mode only, ``runserver`` starts one daemon thread (``start``) that does beat's job
in process: every check it reads the enabled periodic tasks from the same database rows beat
reads (as system managers may have edited or disabled them in /admin/), fires each one whose
schedule is due since its ``last_run_at`` (a task that never ran is due at once, so a fresh
demo gathers on start), records the run there, and sleeps until the next is due (a minute
at most). Each task runs eagerly in the thread; the records jobs keep their own guard
(``records.jobs.run_once``: once per window, whatever the number of processes or restarts)
and the others are safe to run twice.

It never starts under gunicorn (which runs no management command), with ``REDIS_URL`` set
(the real beat's job), or when ``settings.EMBEDDED_BEAT`` is false (the tests).
"""
import json
import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 60
STARTUP_DELAY_SECONDS = 5  # let the server answer its first requests before the first jobs run

_lock = threading.Lock()
_thread = None


def enabled() -> bool:
    """Embedded mode: no broker (tasks eager), and not switched off."""
    return bool(getattr(settings, "EMBEDDED_BEAT", False) and not settings.REDIS_URL
                and settings.CELERY_TASK_ALWAYS_EAGER)


def _fixed_clock(schedule, now):
    schedule.nowfun = lambda: now
    return schedule


def due_tasks(now):
    """The enabled periodic tasks due at ``now``, and the seconds until the next check."""
    from django_celery_beat.models import PeriodicTask

    due, wait = [], MAX_SLEEP_SECONDS
    for task in PeriodicTask.objects.filter(enabled=True, one_off=False).select_related(
            "interval", "crontab", "solar", "clocked").order_by("pk"):
        if task.start_time and task.start_time > now:
            continue
        schedule = _fixed_clock(task.schedule, now)
        if task.last_run_at is None:
            is_due = True
        else:
            is_due, next_check = schedule.is_due(task.last_run_at)
            wait = min(wait, max(next_check, 1))
        if is_due:
            due.append(task)
    return due, wait


def _run(task) -> None:
    from unisocial.celery import app

    app.loader.import_default_modules()  # the apps' tasks modules (what a worker imports)
    args = json.loads(task.args or "[]")
    kwargs = json.loads(task.kwargs or "{}")
    app.tasks[task.task].apply(args=args, kwargs=kwargs, throw=True)


def tick(now=None) -> tuple[list[str], float]:
    """Fire what is due at ``now``; returns the names fired and the seconds to sleep."""
    from django.db.models import F
    from django_celery_beat.models import PeriodicTask

    now = now or timezone.now()
    due, wait = due_tasks(now)
    fired = []
    for task in due:
        # Recorded first, as beat does: a task that fails waits for its next time, not the next tick.
        PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=now, total_run_count=F("total_run_count") + 1)
        try:
            _run(task)
        except Exception:  # one job's failure does not stop the others
            logger.exception("periodic task %s failed", task.name)
        fired.append(task.name)
    return fired, (1 if fired else wait)


def _loop(stop: threading.Event) -> None:
    stop.wait(STARTUP_DELAY_SECONDS)
    while not stop.is_set():
        wait = MAX_SLEEP_SECONDS
        try:
            fired, wait = tick()
            if fired:
                logger.info("embedded beat ran %s", ", ".join(fired))
        except Exception:
            logger.exception("embedded beat: the periodic tasks could not be read")
        finally:
            close_old_connections()
        stop.wait(wait)


def start():
    """Start the scheduler thread once per process in embedded mode; returns it, or None."""
    global _thread
    with _lock:
        if _thread is not None or not enabled():
            return None
        stop = threading.Event()
        _thread = threading.Thread(target=_loop, args=(stop,), name="embedded-beat", daemon=True)
        _thread.stop = stop
        _thread.start()
        return _thread
