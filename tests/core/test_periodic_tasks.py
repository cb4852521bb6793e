"""The periodic tasks: declared once (``settings.PERIODIC_TASKS``), created in django_celery_beat after migrate."""
import pytest
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from unisocial.apps import sync_periodic_tasks


def test_every_declared_periodic_task_names_a_registered_celery_task():
    from unisocial.celery import app

    app.loader.import_default_modules()
    assert settings.PERIODIC_TASKS
    unknown = {name: spec["task"] for name, spec in settings.PERIODIC_TASKS.items() if spec["task"] not in app.tasks}
    assert not unknown


def test_migrate_creates_every_declared_periodic_task(db):
    rows = {t.name: t for t in PeriodicTask.objects.select_related("crontab").filter(name__in=settings.PERIODIC_TASKS)}
    assert set(rows) == set(settings.PERIODIC_TASKS)
    for name, spec in settings.PERIODIC_TASKS.items():
        row = rows[name]
        assert row.task == spec["task"] and row.enabled
        for field, value in spec["crontab"].items():
            assert getattr(row.crontab, field) == value
        assert str(row.crontab.timezone) == "UTC"


def test_syncing_twice_creates_no_duplicate(db):
    PeriodicTask.objects.filter(name__in=settings.PERIODIC_TASKS).delete()
    assert sorted(sync_periodic_tasks()) == sorted(settings.PERIODIC_TASKS)
    tasks, crontabs = PeriodicTask.objects.count(), CrontabSchedule.objects.count()
    assert sync_periodic_tasks() == []
    assert (PeriodicTask.objects.count(), CrontabSchedule.objects.count()) == (tasks, crontabs)
    for name in settings.PERIODIC_TASKS:
        assert PeriodicTask.objects.filter(name=name).count() == 1


def test_a_task_a_system_manager_edited_is_left_as_it_is(db):
    edited = PeriodicTask.objects.get(name="expire memberships")
    edited.enabled = False
    edited.crontab = CrontabSchedule.objects.create(minute="0", hour="4", timezone="UTC")
    edited.save()
    PeriodicTask.objects.filter(name="records: staleness").delete()
    assert sync_periodic_tasks() == ["records: staleness"]
    edited.refresh_from_db()
    assert not edited.enabled and edited.crontab.hour == "4"


@pytest.mark.django_db(transaction=True)
def test_the_tasks_come_back_after_a_flush():
    # post_migrate follows every flush (transactional tests, a database reset).
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= set(settings.PERIODIC_TASKS)


def test_expired_sessions_are_cleared_daily_by_a_task(db):
    # SPEC §8: sessions live in the database; the daily task removes those past their expiry.
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from unisocial.tasks import clear_expired_sessions_task

    spec = settings.PERIODIC_TASKS["clear expired sessions"]
    assert spec["task"] == "unisocial.tasks.clear_expired_sessions_task"
    assert spec["crontab"]["minute"] != "*" and spec["crontab"]["hour"] != "*"  # once a day
    assert PeriodicTask.objects.get(name="clear expired sessions").crontab.day_of_week == "*"
    live, expired = SessionStore(), SessionStore()
    live["x"], expired["x"] = 1, 2
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    clear_expired_sessions_task.delay().get()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live.session_key}
