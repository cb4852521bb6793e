"""Under ``make run`` the embedded mode's scheduler (``unisocial.devserver.beat``) runs the real
records jobs (before them, nothing gathered batches unless someone ran ``records_sweep``)."""
import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from records.models import DispositionBatch, JobRun
from unisocial.devserver import beat

from .conftest import make_post, schedule

pytestmark = pytest.mark.django_db

NAMES = set(settings.PERIODIC_TASKS)


def test_the_real_jobs_gather_due_items_once_per_window_even_across_restarts(community, cast):
    """End to end, the tasks themselves: the gathering job makes a batch; a second process (the
    autoreloader's restart: last_run_at as if never run) finds its window taken (records.jobs.run_once)."""
    make_post(community, cast["author"])
    schedule("post", retain_days=30)
    now = timezone.now()
    fired, _wait = beat.tick(now)
    assert set(fired) == NAMES
    assert DispositionBatch.objects.count() == 1
    assert JobRun.objects.filter(job="records.gather_due").count() == 1
    PeriodicTask.objects.update(last_run_at=None)
    beat.tick(now)
    assert DispositionBatch.objects.count() == 1
