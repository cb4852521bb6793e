"""The periodic jobs under ``make run`` (SPEC §4, §8; before them, nothing gathered batches
under the embedded default). ``runserver`` in the embedded mode (no REDIS_URL, eager Celery) runs
``settings.PERIODIC_TASKS`` in a thread of its own, at their schedules, from the same database rows
celery beat reads; never with REDIS_URL, never in tests, never outside ``runserver``."""
import datetime as dt
import threading

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django_celery_beat.models import PeriodicTask

from unisocial.devserver import beat
from unisocial.devserver.management.commands import runserver

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NAMES = set(settings.PERIODIC_TASKS)


@pytest.fixture
def ran(monkeypatch):
    names = []
    monkeypatch.setattr(beat, "_run", lambda task: names.append(task.name))
    return names


def _fired_at(when):
    fired, _wait = beat.tick(when)
    return set(fired)


def test_every_periodic_task_is_in_the_database_and_never_ran():
    assert set(PeriodicTask.objects.filter(name__in=NAMES, last_run_at__isnull=True)
               .values_list("name", flat=True)) == NAMES


def test_a_task_that_never_ran_runs_at_once_then_at_its_schedule(ran):
    assert _fired_at(NOON) == NAMES  # a fresh demo gathers on start
    every_minute = "records: run approved batches"
    assert _fired_at(NOON + dt.timedelta(minutes=3)) == {every_minute}
    assert _fired_at(NOON + dt.timedelta(minutes=3, seconds=30)) == set()  # not twice in one minute
    assert _fired_at(NOON + dt.timedelta(minutes=5)) == {every_minute}
    # The next night: the 01:30 and 01:45 records jobs, the every-minute one and the two hourly ones
    # (exports at :40, purge at :20); 02:15, 03:05 and 06:00 not yet.
    hourly = {"records: remove old community exports", "records: purge quarantine"}
    assert _fired_at(dt.datetime(2026, 3, 11, 1, 50, tzinfo=UTC)) == {
        "records: staleness", "records: gather due items", every_minute, *hourly}
    assert _fired_at(dt.datetime(2026, 3, 11, 6, 1, tzinfo=UTC)) == {
        "expire memberships", "clear expired sessions", "send daily notification digests", every_minute, *hourly}
    assert len(ran) == len(NAMES) + 1 + 1 + 5 + 6
    task = PeriodicTask.objects.get(name="records: gather due items")
    assert task.last_run_at == dt.datetime(2026, 3, 11, 1, 50, tzinfo=UTC) and task.total_run_count == 2


def test_a_task_disabled_in_admin_does_not_run(ran):
    PeriodicTask.objects.filter(name="records: gather due items").update(enabled=False)
    assert "records: gather due items" not in _fired_at(NOON)


def test_the_sleep_is_until_the_next_due_task_at_most_a_minute(ran):
    beat.tick(NOON)
    _fired, wait = beat.tick(NOON + dt.timedelta(minutes=3, seconds=30))
    assert 1 <= wait <= 60


def test_a_failing_task_does_not_stop_the_others(monkeypatch):
    names = []

    def run(task):
        names.append(task.name)
        if task.name == "expire memberships":
            raise RuntimeError("boom")

    monkeypatch.setattr(beat, "_run", run)
    fired, _wait = beat.tick(NOON)
    assert set(fired) == NAMES == set(names)


# --- when it starts ---------------------------------------------------------------------------


def test_never_in_tests():
    assert settings.EMBEDDED_BEAT is False and not beat.enabled()


def test_the_embedded_default_enables_it(settings):
    settings.EMBEDDED_BEAT, settings.REDIS_URL, settings.CELERY_TASK_ALWAYS_EAGER = True, "", True
    assert beat.enabled()


@pytest.mark.parametrize("change", [
    {"REDIS_URL": "redis://127.0.0.1:6379/12"},  # a real broker: celery beat's job
    {"CELERY_TASK_ALWAYS_EAGER": False},
    {"EMBEDDED_BEAT": False},
])
def test_never_with_a_broker_or_when_switched_off(settings, change):
    settings.EMBEDDED_BEAT, settings.REDIS_URL, settings.CELERY_TASK_ALWAYS_EAGER = True, "", True
    for name, value in change.items():
        setattr(settings, name, value)
    assert not beat.enabled()
    assert beat.start() is None


def test_make_run_uses_the_runserver_that_starts_it():
    assert get_commands()["runserver"] == "unisocial.devserver"
    assert isinstance(load_command_class("unisocial.devserver", "runserver"), runserver.Command)


@pytest.fixture
def no_thread_yet(monkeypatch):
    monkeypatch.setattr(beat, "_thread", None)
    started = []
    monkeypatch.setattr(beat, "_loop", lambda stop: started.append(threading.current_thread().name))
    return started


@pytest.mark.parametrize(("embedded", "starts"), [(True, True), (False, False)])
def test_runserver_starts_it_once_per_process_only_in_embedded_mode(settings, monkeypatch, no_thread_yet,
                                                                     embedded, starts):
    settings.EMBEDDED_BEAT, settings.REDIS_URL, settings.CELERY_TASK_ALWAYS_EAGER = embedded, "", True
    served = []
    monkeypatch.setattr(runserver.StaticfilesRunserver, "inner_run", lambda self, *a, **k: served.append(1))
    command = runserver.Command()
    command.inner_run()
    if beat._thread is not None:
        beat._thread.join(2)
    assert served == [1]
    assert no_thread_yet == (["embedded-beat"] if starts else [])
    if starts:
        assert beat._thread.daemon  # never keeps the process alive
        command.inner_run()  # the same process again: no second thread
        assert no_thread_yet == ["embedded-beat"]


def test_the_wsgi_application_does_not_start_it(monkeypatch, settings):
    """gunicorn loads unisocial.wsgi and runs no management command: no thread, even in embedded mode."""
    settings.EMBEDDED_BEAT, settings.REDIS_URL = True, ""
    monkeypatch.setattr(beat, "_thread", None)
    import importlib

    import unisocial.wsgi

    importlib.reload(unisocial.wsgi)
    assert beat._thread is None
    assert "embedded-beat" not in {t.name for t in threading.enumerate()}
