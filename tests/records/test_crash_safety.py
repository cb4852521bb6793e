"""Crash safety against the real services (SPEC §4, crash safety).

A real Celery worker on Redis runs an approved batch against the test
PostgreSQL database; the test kills it with SIGKILL mid-batch, starts another,
waits until the beat job's stall detection (``RECORDS_BATCH_STALL_SECONDS`` of
silence) sees the batch (measuring how long that takes), lets the recovery
queue it again (twice, as two beats would), and proves: every due item went
to quarantine exactly once, after its package was written and verified;
nothing under hold was touched; the purge after the restore window destroys
each exactly once, with its disposition record.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from django.utils.functional import empty
from zeal import zeal_ignore

from communities.models import Role
from posts.models import Post
from posts.models.attachment import private_storage
from records import disposition, holds, quarantine
from records.models import BatchItem, Certificate, DispositionBatch, DispositionRecord, RecordsAuditLog
from records.packages import verify_package
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

from .bagit_check import validate_with_bagit
from .conftest import after_restore_window, age, attach, confirm_all, schedule

BASE_DIR = Path(__file__).resolve().parents[2]
SERVICES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and bool(
    django_settings.REDIS_URL
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        not SERVICES,
        reason="needs the real services: DATABASE_URL pointing at PostgreSQL and REDIS_URL set "
        "(a Celery worker subprocess must share the test database and the broker)",
    ),
]

ITEMS, HELD, DELAY = 12, 2, 0.4


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(queue, media, log):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unisocial.settings.test",
        "DATABASE_URL": _database_url(),  # the test database (test_<name>), not the dev one
        "REDIS_URL": django_settings.REDIS_URL,
        "PRIVATE_MEDIA_ROOT": str(media),
        "RECORDS_ITEM_DELAY": str(DELAY),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "unisocial", "worker", "--pool=solo", "-Q", queue,
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _kill(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _wait_for(condition, timeout, what, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{Path(log_path).read_text()[-4000:]}")


def _forget_queue(queue):
    """Drop what the killed worker left in Redis for our private queue (its unacknowledged message)."""
    import redis

    r = redis.Redis.from_url(django_settings.REDIS_URL)
    r.delete(queue)
    for tag, payload in r.hgetall("unacked").items():
        if queue.encode() in payload:
            r.hdel("unacked", tag)
            r.zrem("unacked_index", tag)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_disposes_of_nothing_twice(settings, tmp_path):
    from unisocial.celery import app

    media = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = media
    private_storage._wrapped = empty
    queue = f"records-crash-{uuid.uuid4().hex[:10]}"
    settings.RECORDS_QUEUE = queue

    with zeal_ignore():  # test data set-up
        owner, officer = UserFactory(username="owner"), UserFactory(username="officer")
        officer.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))
        community = CommunityFactory(visibility="restricted", slug="crash", name="Crash")
        add_member(community, owner, Role.OWNER)
        posts = [Post.objects.create(community=community, author=owner, title=f"P{n}", body="<p>b</p>",
                                     classification="confidential") for n in range(ITEMS)]
        files = [attach(p, owner, name=f"f{p.pk}.txt", content=b"x" * 10) for p in posts[:4]]
        for p in posts:
            age(p)
    schedule("post", retain_days=365, disposition="transfer")
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    assert batch.total == ITEMS
    held = posts[5:5 + HELD]  # held after gathering: the run must skip them
    for p in held:
        holds.hold_place(actor=officer, target_type="post", target_id=p.pk, reason="Legal request")
    free = [p for p in posts if p not in held]
    confirm_all(batch)  # the office of record: the community's owner

    log_path = tmp_path / "worker.log"
    workers = []
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with open(log_path, "ab") as log:
            workers.append(_start_worker(queue, media, log))
            disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))  # to Redis on commit
            quarantined = BatchItem.objects.filter(batch=batch, state="quarantined")
            _wait_for(lambda: quarantined.count() >= 3, 40, "the first items", log_path)
            _kill(workers[0])  # SIGKILL mid-batch: no ack, no clean-up
            killed_at = time.monotonic()

            done_at_kill = quarantined.count()
            batch.refresh_from_db()
            assert batch.state == "running" and done_at_kill < len(free), "the kill must land mid-batch"
            assert not DispositionRecord.objects.exists()  # nothing purged before its restore window

            workers.append(_start_worker(queue, media, log))
            # The beat job (every minute) finds the running batch gone quiet after the stall threshold.
            stall = django_settings.RECORDS_BATCH_STALL_SECONDS
            _wait_for(lambda: disposition.stalled_batches().filter(pk=batch.pk).exists(), stall + 10,
                      "the stall detection", log_path)
            detected = time.monotonic() - killed_at
            # ... and queues it again — twice, as two beats would.
            assert disposition.run_approved_batches(now=timezone.now()) == {"queued": [batch.pk]}
            disposition.enqueue_batch(batch.pk)
            _wait_for(
                lambda: DispositionBatch.objects.filter(pk=batch.pk, state="completed").exists(),
                45, "the batch to complete", log_path,
            )
            resumed = time.monotonic() - killed_at
            time.sleep(2 * DELAY)  # let the duplicate task run too: it must find nothing to do
    finally:
        app.conf.task_always_eager = eager
        for worker in workers:
            _kill(worker)
        _forget_queue(queue)
        private_storage._wrapped = empty

    # Recovery: the stall threshold, then the next beat (at most a minute later).
    print(f"\nrecovery after SIGKILL: stalled seen after {detected:.1f} s (threshold {stall} s), batch finished "
          f"{resumed:.1f} s after the kill; with the beat every 60 s, taken over within {detected + 60:.0f} s")
    # The figure is printed, not timed: the wait above bounds it (a loaded machine only delays the poll).
    assert detected <= stall + 10
    assert RecordsAuditLog.objects.filter(action="quarantined").count() == len(free)  # exactly once each
    assert set(BatchItem.objects.filter(batch=batch, state="quarantined").values_list("target_id", flat=True)) \
        == {p.pk for p in free}
    for item in BatchItem.objects.filter(batch=batch, state="quarantined"):
        assert verify_package(media / item.package_path) == item.package_checksum  # written before quarantine
        validate_with_bagit(media / item.package_path)  # the reference validator, as every package in tests

    settings.PRIVATE_MEDIA_ROOT = media
    private_storage._wrapped = empty
    try:
        quarantine.purge_due(now=after_restore_window())
        quarantine.purge_due(now=after_restore_window())  # a second purge finds nothing to do
    finally:
        private_storage._wrapped = empty
    records = list(DispositionRecord.objects.values_list("target_type", "target_id"))
    assert len(records) == len(set(records)) == len(free)  # exactly once each
    assert {pk for _t, pk in records} == {p.pk for p in free}
    assert RecordsAuditLog.objects.filter(action="disposed").count() == len(free)
    assert Certificate.objects.filter(batch=batch).count() == 1
    assert not Post.objects.filter(pk__in=[p.pk for p in free]).exists()  # every destroyed item has a record
    assert not Post.history.model.objects.filter(id__in=[p.pk for p in free]).exists()
    for f in files:
        assert not (media / f.file.name).exists()
    # Nothing under hold was touched.
    kept = {p.pk: (p.title, p.status) for p in Post.objects.filter(pk__in=[h.pk for h in held])}
    assert kept == {p.pk: (p.title, "published") for p in held}
    assert set(Post.history.filter(id__in=[h.pk for h in held]).values_list("id", flat=True)) == {
        p.pk for p in held
    }
    assert set(BatchItem.objects.filter(batch=batch, state="skipped_held").values_list("target_id", flat=True)) \
        == {p.pk for p in held}
    batch.refresh_from_db()
    assert (batch.done, batch.disposed, batch.skipped) == (ITEMS, len(free), HELD)
    for record in DispositionRecord.objects.all():
        assert verify_package(media / record.package_path) == record.package_checksum
    # The purged tables were vacuumed after the batch (outside any transaction).
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s", [Post._meta.db_table])
        assert cursor.fetchone()[0] is not None
