"""Periodic jobs (SPEC §4): scheduled in django_celery_beat, at most once per window."""
import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from records import jobs, tasks
from records.models import JobRun, StalenessReview

from .conftest import age

pytestmark = pytest.mark.django_db


def test_a_second_run_of_the_same_window_does_nothing():
    calls = []
    assert jobs.run_once("job", "2030-01-01", lambda: calls.append(1) or {"n": 1}) == {"n": 1}
    assert jobs.run_once("job", "2030-01-01", lambda: calls.append(2) or {"n": 2}) is None
    assert calls == [1]
    assert jobs.run_once("job", "2030-01-02", lambda: calls.append(3) or {"n": 3}) == {"n": 3}
    run = JobRun.objects.get(job="job", window="2030-01-01")
    assert run.finished_at is not None and run.result == {"n": 1}


def test_a_failed_run_leaves_its_window_free():
    def boom():
        raise RuntimeError("worker trouble")

    with pytest.raises(RuntimeError):
        jobs.run_once("job", "w", boom)
    assert not JobRun.objects.exists()
    assert jobs.run_once("job", "w", lambda: {"ok": True}) == {"ok": True}


def test_two_beats_firing_the_staleness_job_flag_once(community, settings):
    settings.STALE_COMMUNITY_DAYS = 365
    age(community, days=400)
    first = tasks.staleness_task.delay().get()
    second = tasks.staleness_task.delay().get()
    assert first["flagged"] == 1 and second is None
    assert StalenessReview.objects.count() == 1
    assert JobRun.objects.filter(job=jobs.STALENESS, window=jobs.daily_window(timezone.now())).count() == 1


def test_the_jobs_are_scheduled_in_django_celery_beat():
    scheduled = dict(PeriodicTask.objects.filter(task__startswith="records.").values_list("task", "enabled"))
    assert scheduled == {
        "records.tasks.staleness_task": True,
        "records.tasks.gather_due_task": True,
        "records.tasks.run_approved_batches_task": True,
        "records.tasks.expire_community_exports_task": True,
        "records.tasks.purge_quarantine_task": True,
    }
    # Every minute: a killed worker's batch is taken over within about two minutes (it took 661 s before).
    every_minute = PeriodicTask.objects.get(task="records.tasks.run_approved_batches_task")
    assert every_minute.crontab.minute == "*"


def test_windows():
    at = timezone.datetime(2030, 5, 6, 10, 7, 30, tzinfo=dt.UTC)
    assert jobs.daily_window(at) == "2030-05-06"
    assert jobs.slot_window(at) == "2030-05-06T10:05"
