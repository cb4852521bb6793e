"""Disposition exactly as approved (SPEC §4): frozen at gathering, four eyes, quarantine,
restore, complete destruction and the certificate issued once."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from communities.models import Community, Membership
from moderation import services as moderation_services
from moderation.models import Flag
from notifications.models import Notification
from posts import services as post_services
from posts.models import Post, Tag
from records import declassification, disposition, holds, quarantine
from records.models import (
    BatchItem,
    Certificate,
    DispositionBatch,
    DispositionRecord,
    RecordsAuditLog,
    RetentionSchedule,
)

from .conftest import (
    after_restore_window,
    age,
    gather_and_approve,
    make_post,
    run_and_purge,
    schedule,
    second_officer,
)

pytestmark = pytest.mark.django_db


def gather():
    disposition.gather_due(now=timezone.now())
    return DispositionBatch.objects.order_by("-pk").first()


# --- fault 1: approval is bound to what was approved ---------------------------------------------


def test_a_schedule_switched_to_destroy_after_approval_still_transfers_with_a_package(
    community, cast, officer, private_media
):
    post = make_post(community, cast["author"])
    sched = schedule("post", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    # A system manager switches the schedule in /admin/ before the worker runs.
    RetentionSchedule.objects.filter(pk=sched.pk).update(disposition="destroy", name="Now destroy")

    run_and_purge(batch.pk)

    record = DispositionRecord.objects.get(target_id=post.pk)
    assert record.disposition == "transfer" and len(record.package_checksum) == 64
    assert (private_media / record.package_path).exists()
    certificate = Certificate.objects.get(batch=batch)
    assert certificate.disposition == "transfer" and certificate.schedule_name == "post any transfer"
    assert certificate.rows[0]["method"] == "transferred"
    assert certificate.rows[0]["package_sha256"] == record.package_checksum


def test_each_item_is_frozen_as_gathered(community, cast, officer):
    post = make_post(community, cast["author"], level="strictly_confidential")
    sched = schedule("post", retain_days=365, disposition="destroy")
    sched.restore_days = 12
    sched.save()
    batch = gather()
    item = batch.items.get()
    assert (item.target_type, item.target_id, item.classification, item.community_id) == (
        "post", post.pk, "strictly_confidential", community.pk)
    assert (item.schedule_id, item.disposition, item.retain_days, item.restore_days) == (sched.pk, "destroy", 365, 12)
    assert (batch.schedule_name, batch.frozen_disposition, batch.retain_days, batch.restore_days) == (
        sched.name, "destroy", 365, 12)


# --- fault 2: the level at gathering decides ---------------------------------------------------


def test_an_item_declassified_after_gathering_is_skipped_with_its_reason_and_gathered_again(
    community, cast, officer, private_media
):
    post = age(make_post(community, cast["author"], level="strictly_confidential"), days=22 * 366)
    schedule("post", classification="strictly_confidential", retain_days=365, disposition="destroy")
    schedule("post", classification="confidential", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    # Declassified on review (a records action, not activity: it does not move updated_at).
    declassification.declassify(actor=officer, item=post, to_level="confidential", reason="Declassified on review")

    run_and_purge(batch.pk)

    post.refresh_from_db()
    assert post.status == "published"  # not destroyed, not quarantined
    item = batch.items.get()
    assert item.state == "skipped_level" and "Confidential" in item.reason
    (row,) = Certificate.objects.get(batch=batch).rows
    assert row["method"] == "skipped" and row["classification"] == "strictly_confidential"
    assert "level changed" in row["reason"]
    # It is gathered again, under the schedule of its new level.
    disposition.gather_due(now=timezone.now())
    again = BatchItem.objects.exclude(batch=batch).get(target_id=post.pk)
    assert (again.classification, again.disposition) == ("confidential", "transfer")


def test_an_item_no_longer_past_the_frozen_retention_is_skipped(community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk, now=timezone.now() - dt.timedelta(days=4000 - 100))
    assert batch.items.get().state == "skipped_not_due"
    assert Post.objects.get(pk=post.pk).status == "published"


# --- four eyes ---------------------------------------------------------------------------------


def test_approval_waits_for_every_office_of_record_and_a_second_officer(community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    batch = gather()
    with pytest.raises(disposition.BatchConflict, match="waiting for: audit"):
        disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))
    with pytest.raises(PermissionDenied):  # the community has an owner: an officer may not confirm for it
        disposition.batch_confirm(actor=officer, batch=batch, community_slug="audit")
    with pytest.raises(PermissionDenied):
        disposition.batch_confirm(actor=cast["plain"], batch=batch, community_slug="audit")
    disposition.batch_confirm(actor=cast["owner"], batch=batch, community_slug="audit")
    batch.refresh_from_db()
    assert batch.state == "confirmed"
    disposition.batch_approve(actor=officer, batch=batch, confirm=f" {batch.pk} ")
    batch.refresh_from_db()
    assert batch.state == "approved" and batch.approved_by == officer
    actions = list(RecordsAuditLog.objects.filter(target_type="batch", target_id=str(batch.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["batch_community_confirmed", "batch_confirmed", "batch_approved"]


def test_a_community_with_no_active_owner_is_confirmed_by_an_officer_who_then_may_not_approve(
    community, cast, officer
):
    make_post(community, cast["author"])
    Membership.objects.filter(content_object=community, role="owner").delete()
    schedule("post", retain_days=365)
    batch = gather()
    other = second_officer()
    disposition.batch_confirm(actor=other, batch=batch, community_slug="audit")
    entry = batch.communities.get()
    assert entry.confirmed_by == other and entry.by_records_officer
    with pytest.raises(disposition.BatchConflict, match="another records officer"):
        disposition.batch_approve(actor=other, batch=batch, confirm=str(batch.pk))
    disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))


def test_a_withheld_item_leaves_the_batch_is_logged_and_is_not_gathered_again_for_the_grace(
    community, cast, officer, settings
):
    settings.STALE_GRACE_DAYS = 30
    keep = make_post(community, cast["author"], title="Keep")
    make_post(community, cast["author"], title="Go")
    schedule("post", retain_days=365)
    batch = gather()
    with pytest.raises(ValidationError):  # a reason is required
        disposition.batch_confirm(actor=cast["owner"], batch=batch, community_slug="audit",
                                  withhold=[{"target_type": "post", "target_id": keep.pk, "reason": " "}])
    with pytest.raises(ValidationError):  # not an item of this batch
        disposition.batch_confirm(actor=cast["owner"], batch=batch, community_slug="audit",
                                  withhold=[{"target_type": "post", "target_id": 999999, "reason": "x"}])
    assert not batch.communities.get().confirmed_at
    disposition.batch_confirm(actor=cast["owner"], batch=batch, community_slug="audit",
                              withhold=[{"target_type": "post", "target_id": keep.pk, "reason": "Still in use"}])
    batch.refresh_from_db()
    assert batch.total == 1 and batch.items.get(target_id=keep.pk).state == "withheld"
    log = RecordsAuditLog.objects.get(action="batch_item_withheld")
    assert (log.actor, log.target_id, log.details["reason"]) == (cast["owner"], str(keep.pk), "Still in use")

    disposition.gather_due(now=timezone.now() + dt.timedelta(days=29))
    assert not BatchItem.objects.exclude(batch=batch).filter(target_id=keep.pk).exists()
    disposition.gather_due(now=timezone.now() + dt.timedelta(days=31))
    assert BatchItem.objects.exclude(batch=batch).filter(target_id=keep.pk, state="pending").exists()


def test_owners_are_told_when_their_community_has_items_to_confirm(community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    batch = gather()
    note = Notification.objects.get(recipient=cast["owner"], kind=Notification.Kind.RECORDS)
    assert note.url == f"/records/batches/{batch.pk}/confirm/audit/"
    assert not Notification.objects.filter(recipient=cast["author"], kind=Notification.Kind.RECORDS).exists()


def test_the_confirmation_page_shows_titles_only_as_the_owner_may_see_them(client, community, cast, officer):
    seen = make_post(community, cast["author"], title="Visible title")
    gone = make_post(community, cast["author"], title="Withdrawn title", old=False)
    post_services.post_withdraw(actor=cast["author"], post=gone)
    age(gone)
    schedule("post", retain_days=365)
    batch = gather()
    client.force_login(cast["owner"])
    html = client.get(f"/records/batches/{batch.pk}/confirm/audit/").content.decode()
    assert "Visible title" in html and f"Post {seen.pk}" in html
    assert "Withdrawn title" not in html and f"Post {gone.pk}" in html  # type and id only


@pytest.mark.parametrize("who, expected", [("outsider", 404), ("plain", 404), ("author", 404)])
def test_people_who_own_nothing_in_the_batch_do_not_learn_it_exists(client, community, cast, officer, who, expected):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    batch = gather()
    client.force_login(cast[who])
    assert client.get(f"/records/batches/{batch.pk}/confirm/audit/").status_code == expected
    assert client.post(f"/records/batches/{batch.pk}/confirm/audit/").status_code == expected


# --- quarantine and restore --------------------------------------------------------------------


def test_a_run_quarantines_items_invisible_to_everyone_then_the_purge_destroys_them(
    client, community, cast, officer
):
    post = make_post(community, cast["author"], level="unclassified")
    schedule("post", retain_days=365, disposition="destroy")
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    post.refresh_from_db()
    assert post.status == "quarantined"
    for user in cast.values():
        assert not Post.objects.visible_to(user).filter(pk=post.pk).exists()
    client.force_login(cast["author"])
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    item = batch.items.get()
    assert item.state == "quarantined" and item.purge_after.date() == (item.quarantined_at + dt.timedelta(days=30)
                                                                        ).date()
    assert not Certificate.objects.filter(batch=batch).exists()  # not before the last item is purged

    assert quarantine.purge_due(now=timezone.now() + dt.timedelta(days=29))["purged"] == 0
    assert Post.objects.filter(pk=post.pk).exists()
    assert quarantine.purge_due(now=after_restore_window())["purged"] == 1
    assert not Post.objects.filter(pk=post.pk).exists()
    assert DispositionRecord.objects.filter(target_id=post.pk).exists()
    assert Certificate.objects.get(batch=batch).rows[0]["method"] == "destroyed"


def test_a_records_officer_restores_an_item_within_the_window(client, community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    client.force_login(officer)
    html = client.get("/records/quarantine/").content.decode()
    assert f"/records/quarantine/post/{post.pk}/restore/" in html and "Budget review" not in html
    response = client.post(f"/records/quarantine/post/{post.pk}/restore/")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == "published" and Post.objects.visible_to(cast["plain"]).filter(pk=post.pk).exists()
    assert RecordsAuditLog.objects.filter(action="quarantine_restored", actor=officer,
                                          target_id=str(post.pk)).exists()
    assert Notification.objects.filter(recipient=cast["owner"], event="quarantine_restored").exists()
    assert client.post(f"/records/quarantine/post/{post.pk}/restore/").status_code == 404  # not twice
    # Nothing left in quarantine: the certificate is issued, with the restore as the reason.
    (row,) = Certificate.objects.get(batch=batch).rows
    assert row["method"] == "skipped" and "Restored" in row["reason"]
    quarantine.purge_due(now=after_restore_window())
    assert Post.objects.filter(pk=post.pk).exists()


def test_only_records_officers_restore(client, community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    client.force_login(cast["owner"])
    assert client.post(f"/records/quarantine/post/{post.pk}/restore/").status_code == 403
    with pytest.raises(PermissionDenied):
        quarantine.quarantine_restore(actor=cast["owner"], target_type="post", target_id=post.pk)
    assert Post.objects.get(pk=post.pk).status == "quarantined"


def test_a_hold_placed_during_quarantine_stops_the_purge(community, cast, officer):
    post = make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    holds.hold_place(actor=officer, target_type="post", target_id=post.pk, reason="Legal request")
    quarantine.purge_due(now=after_restore_window())
    post.refresh_from_db()
    assert post.status == "published" and batch.items.get().state == "skipped_held"
    assert not DispositionRecord.objects.exists()


def test_an_archived_community_goes_to_quarantine_with_its_contents(community, cast, officer, private_media):
    post = make_post(community, cast["author"])
    Community.objects.filter(pk=community.pk).update(is_archived=True, archived_at=timezone.now())
    age(community)
    schedule("community", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    assert Post.objects.get(pk=post.pk).status == "quarantined"
    for user in cast.values():  # the community itself is out of everyone's sight too
        assert not Community.objects.visible_to(user).filter(pk=community.pk).exists()
    # Its posts are not gathered again by a post schedule while they wait.
    schedule("post", retain_days=365)
    disposition.gather_due(now=timezone.now())
    assert not BatchItem.objects.filter(target_type="post").exists()
    quarantine.quarantine_restore(actor=officer, target_type="community", target_id=community.pk)
    assert Post.objects.get(pk=post.pk).status == "published"
    assert Community.objects.visible_to(cast["plain"]).filter(pk=community.pk).exists()


# --- complete destruction (fault 3) ------------------------------------------------------------


def test_purging_destroys_flags_with_their_notes_and_tags_no_other_item_uses(
    community, cast, officer, private_media, django_capture_on_commit_callbacks
):
    post = make_post(community, cast["author"], tags=["only-here", "shared"])
    other = make_post(community, cast["author"], title="Other", old=False, tags=["shared"])
    moderation_services.flag_create(actor=cast["plain"], item=post, reason="other",
                                    note="It says: Budget review numbers")
    assert Flag.objects.filter(target_type="post", target_id=post.pk).exists()
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    with django_capture_on_commit_callbacks(execute=True):
        run_and_purge(batch.pk)
    assert not Flag.objects.filter(target_type="post", target_id=post.pk).exists()
    assert not Tag.objects.filter(slug="only-here").exists()
    assert Tag.objects.filter(slug="shared", posts=other).exists()
    record = DispositionRecord.objects.values().get(target_id=post.pk)
    assert "files" not in record and "Budget review" not in str(record)


def test_the_certificate_is_issued_once_and_never_recomputed(client, community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    run_and_purge(batch.pk)
    certificate = Certificate.objects.get(batch=batch)
    stored = bytes(certificate.csv)
    assert stored.startswith(b"\xef\xbb\xbf")
    assert disposition.issue_certificate(batch.pk).pk == certificate.pk
    # What the batch's rows say now does not change what was issued.
    BatchItem.objects.filter(batch=batch).update(reason="tampered")
    client.force_login(officer)
    assert client.get(f"/records/batches/{batch.pk}/certificate.csv").content == stored
    assert b"tampered" not in stored
    assert Certificate.objects.filter(batch=batch).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM and pg_stat_user_tables are PostgreSQL's")
def test_the_purged_tables_are_vacuumed_after_a_batch_on_postgresql(community, cast, officer):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)

    def last_vacuum():
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s", [Post._meta.db_table])
            return cursor.fetchone()[0]

    before = last_vacuum()
    quarantine.purge_due(now=after_restore_window())
    after = last_vacuum()
    assert after is not None and (before is None or after > before)


def test_a_batch_whose_certificate_was_not_issued_gets_it_at_the_next_purge(community, cast, officer, monkeypatch):
    make_post(community, cast["author"])
    schedule("post", retain_days=365)
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)
    with monkeypatch.context() as m:  # the worker dies between the last purge and the certificate
        m.setattr(quarantine, "issue_certificate", lambda *a, **k: None)
        m.setattr(quarantine, "issue_due_certificates", lambda **k: 0)
        quarantine.purge_due(now=after_restore_window())
    assert not Certificate.objects.filter(batch=batch).exists()
    assert quarantine.purge_due(now=after_restore_window())["certificates"] == 1
    assert Certificate.objects.get(batch=batch).rows[0]["method"] == "destroyed"
