"""Disposition batches (SPEC §4): gather, approve, run, certify — and what must never happen."""
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from notifications.models import Notification
from posts import services as post_services
from posts.models import Comment, Like, Post, PostAttachment, PostReader, WikiPage
from records import disposition, holds, quarantine
from records.models import BatchItem, DispositionBatch, DispositionRecord, RecordsAuditLog
from tests.factories import grant_reader

from .conftest import age, attach, confirm_all, gather_and_approve, make_post, make_wiki, run_and_purge, schedule

pytestmark = pytest.mark.django_db


def run_all():
    for pk in DispositionBatch.objects.values_list("pk", flat=True):
        disposition.run_batch(pk)


def test_a_destroyed_item_is_gone_from_the_database_its_history_and_its_files_and_is_on_the_certificate(
    community, cast, officer, private_media, django_capture_on_commit_callbacks
):
    post = make_post(community, cast["author"], level="strictly_confidential")
    post_services.post_update(actor=cast["author"], post=post, body="<p>Second version</p>")
    age(post)
    comment, _w = post_services.comment_create(actor=cast["plain"], post=post, body="A reply")
    age(post)
    grant_reader(post, cast["plain"])
    Like.objects.create(post=post, user=cast["plain"])
    attachment = attach(post, cast["author"])
    file_path = Path(private_media) / attachment.file.name
    assert file_path.exists()
    Notification.objects.create(recipient=cast["author"], kind="comment", legacy_message="x", target_type="post",
                                target_id=post.pk)
    Notification.objects.create(recipient=cast["author"], kind="comment", legacy_message="x", target_type="comment",
                                target_id=comment.pk)
    assert Post.history.filter(id=post.pk).count() >= 2
    schedule("post", retain_days=365, disposition="destroy")

    (batch,) = gather_and_approve(officer)
    with django_capture_on_commit_callbacks(execute=True):
        run_and_purge(batch.pk)

    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Post.history.model.objects.filter(id=post.pk).exists()
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert not Comment.history.model.objects.filter(id=comment.pk).exists()
    assert not Like.objects.filter(post_id=post.pk).exists()
    assert not PostReader.objects.filter(content_object_id=post.pk).exists()
    assert not PostAttachment.objects.filter(pk=attachment.pk).exists()
    assert not file_path.exists()
    assert not Notification.objects.filter(target_type="post", target_id=post.pk).exists()
    assert not Notification.objects.filter(target_type="comment", target_id=comment.pk).exists()
    batch.refresh_from_db()
    assert (batch.state, batch.total, batch.done, batch.disposed) == ("completed", 1, 1, 1)
    (row,) = batch.certificate.rows
    assert row["target_type"] == "post" and row["target_id"] == post.pk
    assert row["classification"] == "strictly_confidential"
    assert row["community_slug"] == "audit"
    assert row["approved_by"] == "officer" and row["confirmed_by"] == "owner"
    assert row["schedule"] == batch.schedule.name and row["method"] == "destroyed"


def test_destroyed_attachment_files_are_deleted_after_commit(
    community, cast, officer, private_media, django_capture_on_commit_callbacks
):
    post = make_post(community, cast["author"])
    attachment = attach(post, cast["author"])
    file_path = Path(private_media) / attachment.file.name
    schedule("post", retain_days=30)
    (batch,) = gather_and_approve(officer)
    with django_capture_on_commit_callbacks(execute=True):
        run_and_purge(batch.pk)
    assert not file_path.exists()
    record = DispositionRecord.objects.get(target_type="post", target_id=post.pk)
    assert not hasattr(record, "files")  # SPEC §4: the record keeps no file name
    assert attachment.file.name not in str(DispositionRecord.objects.filter(pk=record.pk).values().get())


def test_a_held_item_survives_an_approved_batch(community, cast, officer, private_media):
    held = make_post(community, cast["author"], title="Held")
    free = make_post(community, cast["author"], title="Free")
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    assert batch.items.count() == 2
    holds.hold_place(actor=officer, target_type="post", target_id=held.pk, reason="Legal request")

    run_and_purge(batch.pk)

    assert Post.objects.filter(pk=held.pk).exists()
    assert Post.history.filter(id=held.pk).exists()
    assert not Post.objects.filter(pk=free.pk).exists()
    assert BatchItem.objects.get(batch=batch, target_id=held.pk).state == "skipped_held"
    assert not DispositionRecord.objects.filter(target_type="post", target_id=held.pk).exists()
    batch.refresh_from_db()
    assert (batch.state, batch.disposed, batch.skipped) == ("completed", 1, 1)


def test_a_community_hold_covers_everything_in_it_and_held_items_are_not_gathered(community, cast, officer):
    post = make_post(community, cast["author"])
    page = make_wiki(community, cast["author"])
    holds.hold_place(actor=officer, target_type="community", target_id="audit", reason="Investigation")
    schedule("post", retain_days=30)
    schedule("wiki", retain_days=30)
    disposition.gather_due(now=timezone.now())
    assert not DispositionBatch.objects.exists()
    assert Post.objects.filter(pk=post.pk).exists() and WikiPage.objects.filter(pk=page.pk).exists()


def test_nothing_is_destroyed_without_approval(community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=30)
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    assert batch.state == "pending"

    assert disposition.run_batch(batch.pk) == {"state": "pending", "more": False}
    item = batch.items.get()
    assert disposition.dispose_batch_item(item.pk) == "pending"
    assert Post.objects.filter(pk=post.pk).exists()
    assert not DispositionRecord.objects.exists()


def test_only_a_records_officer_approves(community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=30)
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    confirm_all(batch)
    with pytest.raises(PermissionDenied):
        disposition.batch_approve(actor=cast["owner"], batch=batch, confirm=str(batch.pk))
    with pytest.raises(ValidationError):
        disposition.batch_approve(actor=officer, batch=batch, confirm="999")
    disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))
    with pytest.raises(disposition.BatchConflict):
        disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))


def test_content_no_schedule_covers_is_never_gathered(community, cast, officer):
    make_post(community, cast["author"], level="confidential")
    uncovered = make_post(community, cast["author"], level="strictly_confidential")
    make_wiki(community, cast["author"])
    schedule("post", classification="confidential", retain_days=30)
    disposition.gather_due(now=timezone.now())
    items = set(BatchItem.objects.values_list("target_type", "target_id"))
    assert ("post", uncovered.pk) not in items
    assert not any(kind == "wiki" for kind, _id in items)
    assert len(items) == 1


def test_recent_content_is_not_due_and_withdrawn_content_is(community, cast, officer):
    recent = make_post(community, cast["author"], old=False)
    withdrawn = make_post(community, cast["author"], old=False)
    post_services.post_withdraw(actor=cast["author"], post=withdrawn)
    age(withdrawn)
    schedule("post", retain_days=365)
    disposition.gather_due(now=timezone.now())
    items = set(BatchItem.objects.values_list("target_id", flat=True))
    assert withdrawn.pk in items and recent.pk not in items


def test_a_recent_comment_keeps_a_post_alive(community, cast, officer):
    post = make_post(community, cast["author"])
    post_services.comment_create(actor=cast["plain"], post=post, body="Still relevant")
    schedule("post", retain_days=365)
    disposition.gather_due(now=timezone.now())
    assert not BatchItem.objects.exists()


def test_a_level_schedule_wins_over_the_any_level_one(community, cast, officer):
    secret = make_post(community, cast["author"], level="strictly_confidential")
    age(secret, days=500)
    schedule("post", classification="strictly_confidential", retain_days=3650)
    schedule("post", classification=None, retain_days=365)
    disposition.gather_due(now=timezone.now())
    assert not BatchItem.objects.filter(target_id=secret.pk).exists()


def test_an_item_active_again_after_gathering_is_skipped(community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    post_services.comment_create(actor=cast["plain"], post=post, body="Back in use")
    disposition.run_batch(batch.pk)
    assert Post.objects.filter(pk=post.pk).exists()
    assert batch.items.get().state == "skipped_active"


def test_rerunning_a_batch_changes_nothing(community, cast, officer, private_media):
    for n in range(3):
        make_post(community, cast["author"], title=f"P{n}")
    schedule("post", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    run_and_purge(batch.pk)
    before = (
        list(DispositionRecord.objects.order_by("pk").values_list("pk", "target_id", "package_checksum")),
        RecordsAuditLog.objects.count(),
    )
    batch.refresh_from_db()
    progress = (batch.state, batch.done, batch.disposed, batch.skipped, batch.finished_at)

    assert run_and_purge(batch.pk) == {"state": "completed", "more": False}
    for item in batch.items.all():
        disposition.dispose_batch_item(item.pk)
        quarantine.purge_item(item.pk, now=timezone.now())
    # Gathering again finds nothing: everything is disposed of.
    disposition.gather_due(now=timezone.now())

    after = (
        list(DispositionRecord.objects.order_by("pk").values_list("pk", "target_id", "package_checksum")),
        RecordsAuditLog.objects.count(),
    )
    batch.refresh_from_db()
    assert after == before
    assert (batch.state, batch.done, batch.disposed, batch.skipped, batch.finished_at) == progress
    assert DispositionBatch.objects.count() == 1


def test_items_waiting_in_an_open_batch_are_not_gathered_twice(community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    disposition.gather_due(now=timezone.now())
    disposition.gather_due(now=timezone.now())
    assert DispositionBatch.objects.count() == 1
    assert BatchItem.objects.count() == 1


def test_transfer_writes_a_verified_package_named_on_the_certificate(community, cast, officer, private_media):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    run_and_purge(batch.pk)
    record = DispositionRecord.objects.get(target_id=post.pk)
    path = Path(private_media) / record.package_path
    assert path.exists() and record.package_path.startswith("archive/")
    from records.packages import verify_package

    assert verify_package(path) == record.package_checksum
    (row,) = batch.certificate.rows
    assert row["package_sha256"] == record.package_checksum and row["method"] == "transferred"


def test_an_archived_community_is_disposed_of_with_everything_in_it(community, cast, officer, private_media):
    from communities.models import Community, Membership

    post = make_post(community, cast["author"])
    page = make_wiki(community, cast["author"])
    Community.objects.filter(pk=community.pk).update(is_archived=True, archived_at=timezone.now())
    age(community)
    schedule("community", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    run_and_purge(batch.pk)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert not Membership.objects.filter(content_object_id=community.pk).exists()
    assert not Post.objects.filter(pk=post.pk).exists() and not WikiPage.objects.filter(pk=page.pk).exists()
    assert not WikiPage.history.model.objects.filter(id=page.pk).exists()
    kinds = set(DispositionRecord.objects.values_list("target_type", "target_id"))
    assert kinds == {("community", community.pk), ("post", post.pk), ("wiki", page.pk)}


def test_an_archived_community_with_a_case_escalated_to_management_is_purged(community, cast, officer):
    """The case stays, as the moderation log does (it names the item by type and id); it does not
    hold the community back (its key to the community has no database constraint)."""
    from communities.models import Community
    from moderation.models import EscalationCase

    post = make_post(community, cast["author"])
    case = EscalationCase.objects.create(target_type="post", target_id=post.pk, community=community,
                                         escalated_by=cast["owner"], reason="for management")
    Community.objects.filter(pk=community.pk).update(is_archived=True, archived_at=timezone.now())
    age(community)
    schedule("community", retain_days=365, disposition="destroy")
    (batch,) = gather_and_approve(officer)
    run_and_purge(batch.pk)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert BatchItem.objects.get(batch=batch).state == BatchItem.State.DISPOSED
    assert EscalationCase.objects.filter(pk=case.pk, community_id=community.pk).exists()


def test_a_live_community_is_never_disposed_of(community, cast, officer):
    age(community)
    schedule("community", retain_days=30)
    disposition.gather_due(now=timezone.now())
    assert not BatchItem.objects.exists()


def test_a_stalled_batch_is_queued_again_by_the_beat_job(community, cast, officer, monkeypatch):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    DispositionBatch.objects.filter(pk=batch.pk).update(
        state="running", heartbeat_at=timezone.now() - timezone.timedelta(hours=1)
    )
    queued = []
    monkeypatch.setattr(disposition, "enqueue_batch", queued.append)
    assert disposition.run_approved_batches(now=timezone.now()) == {"queued": [batch.pk]}
    assert queued == [batch.pk]
    DispositionBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
    assert disposition.run_approved_batches(now=timezone.now()) == {"queued": []}
