"""SPEC §4 "Append-only records": the moderation log, the records audit log, disposition
records, certificates, the access log, membership events and declassification reviews refuse
UPDATE and DELETE in the database itself (a trigger on PostgreSQL), not only in the UI.

On every database: each model refuses updates and deletes in Python (``AppendOnlyModel``),
each has its trigger migration, no admin offers to change or delete it, and destroying a
community (records disposition) keeps them. On PostgreSQL: the trigger is there on each table,
and an UPDATE or DELETE by the ORM (past the Python guards) or by raw SQL fails, an INSERT works.
"""
import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from communities import services as community_services
from communities.models import Community, MembershipEvent, Role
from moderation.models import ModerationAction
from moderation.sites import moderation_site
from posts.models import AccessLog
from records.audit import audit
from records.disposition import destroy_community
from records.models import (
    Certificate,
    DeclassificationReview,
    DispositionBatch,
    DispositionRecord,
    RetentionSchedule,
)
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.db import AppendOnly, AppendOnlyError, AppendOnlyModel, trigger_name

pytestmark = pytest.mark.django_db

# What SPEC §4 names, by model label: kept here, apart from the code's own list, so that a table
# dropped from the code's list, or a new one added to the spec, fails this test.
SPEC_APPEND_ONLY = {
    "the moderation log": "moderation.ModerationAction",
    "the records audit log": "records.RecordsAuditLog",
    "disposition records": "records.DispositionRecord",
    "the access log": "posts.AccessLog",
    "membership events": "communities.MembershipEvent",
    "declassification reviews": "records.DeclassificationReview",
    "certificates": "records.Certificate",
}
# Certificates: every records model named like one (the stored certificate and its rows, once they exist).
CERTIFICATE_MODELS = sorted(
    m._meta.label for m in apps.get_app_config("records").get_models() if "certificate" in m.__name__.lower()
)
APPEND_ONLY_LABELS = sorted({*SPEC_APPEND_ONLY.values(), *CERTIFICATE_MODELS})
# The moderation log's trigger predates unisocial.db.AppendOnly: a hand-written migration.
HAND_WRITTEN = {"moderation.ModerationAction": ("moderation", "0002_append_only_log", "moderation_log_append_only")}

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's (SQLite has none)"
)


@pytest.fixture
def rows():
    """One row of each append-only table, written as the code writes them (an INSERT works)."""
    owner, member = UserFactory(), UserFactory()
    community = CommunityFactory()
    add_member(community, owner, Role.OWNER)
    community_services.community_join(actor=member, community=community)
    schedule = RetentionSchedule.objects.create(
        name="Append-only test", content_type="post", retain_days=1, disposition="destroy"
    )
    batch = DispositionBatch.objects.create(schedule=schedule, as_of=timezone.now())
    now = timezone.now()
    made = {
        "moderation.ModerationAction": ModerationAction.objects.create(
            actor=owner, action="hide", target_type="post", target_id=1, community=community, reason="r"
        ),
        "records.RecordsAuditLog": audit("append-only test", actor=owner, target_type="post", target_id="1"),
        "records.DispositionRecord": DispositionRecord.objects.create(
            target_type="post", target_id=1, classification="unclassified", community_id=community.pk,
            community_slug=community.slug, community_name=community.name, batch=batch, schedule=schedule,
            schedule_name=schedule.name, disposition="destroy", approved_by=owner,
            approved_by_username=owner.username, last_activity_at=now - dt.timedelta(days=2),
        ),
        "posts.AccessLog": AccessLog.objects.create(
            user=owner, target_type="post", target_id=1, community=community, classification="strictly_confidential"
        ),
        "communities.MembershipEvent": MembershipEvent.objects.get(community=community, user=member),
        "records.DeclassificationReview": DeclassificationReview.objects.create(
            target_type="post", target_id=1, community_id=community.pk, decision="kept",
            from_level="confidential", to_level="confidential", reason="still sensitive", decided_by=owner,
        ),
        "records.Certificate": Certificate.objects.create(
            batch=batch, schedule_name=schedule.name, disposition="destroy", approved_by_username=owner.username,
            rows=[], csv=b"\xef\xbb\xbftarget_type\r\n", sha256="0" * 64,
        ),
    }
    assert set(made) | set(CERTIFICATE_MODELS) == set(APPEND_ONLY_LABELS), "add a row of the new table here"
    return made


def _a_field(model):
    """A plain column of the model to write to (an update that would change nothing: still refused)."""
    return next(f for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)


# --- on every database ------------------------------------------------------------------------


@pytest.mark.parametrize("label", APPEND_ONLY_LABELS)
def test_each_model_refuses_updates_and_deletes_in_python(label):
    assert issubclass(apps.get_model(label), AppendOnlyModel), f"{label} must derive from AppendOnlyModel"


def test_the_code_lists_every_table_the_spec_names():
    from unisocial.db import APPEND_ONLY_MODELS

    assert set(APPEND_ONLY_LABELS) <= set(APPEND_ONLY_MODELS) | set(CERTIFICATE_MODELS)


@pytest.mark.parametrize("label", APPEND_ONLY_LABELS)
def test_each_table_has_its_trigger_migration(label):
    """So a new table cannot be forgotten, whatever database the suite runs on."""
    model = apps.get_model(label)
    if label in HAND_WRITTEN:
        app_label, name, _trigger = HAND_WRITTEN[label]
        assert (app_label, name) in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        return
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ops = [
        op for (app_label, _), migration in loader.disk_migrations.items() if app_label == model._meta.app_label
        for op in migration.operations if isinstance(op, AppendOnly)
    ]
    assert any(op.model_name.lower() == model._meta.model_name for op in ops), (
        f'add AppendOnly("{model._meta.model_name}") to a migration of {model._meta.app_label}'
    )


@pytest.mark.parametrize("label", sorted(SPEC_APPEND_ONLY.values()))
def test_the_orm_refuses_to_change_or_delete_a_row(rows, label):
    row = rows[label]
    model = type(row)
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    field = _a_field(model)
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).update(**{field.name: F(field.name)})
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update runs without a savepoint
        model.objects.bulk_update([row], [field.name])
    assert model.objects.filter(pk=row.pk).exists()


def _registered_admins():
    for site in (admin.site, moderation_site):
        for model, model_admin in site._registry.items():
            yield site, model, model_admin
            for inline in model_admin.inlines:
                yield site, inline.model, inline(model, site)


def test_no_admin_offers_to_add_change_or_delete_an_append_only_row(rows):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = RequestFactory().get("/")
    request.user = superuser
    labels = set(APPEND_ONLY_LABELS)
    seen = set()
    for site, model, model_admin in _registered_admins():
        if model._meta.label not in labels:
            continue
        seen.add(model._meta.label)
        row = rows.get(model._meta.label)
        where = f"{type(model_admin).__name__} on {site.name}"
        assert not model_admin.has_add_permission(request, *([row] if hasattr(model_admin, "fk_name") else [])), where
        assert not model_admin.has_change_permission(request, row), where
        assert not model_admin.has_delete_permission(request, row), where
        if hasattr(model_admin, "get_actions"):
            assert "delete_selected" not in model_admin.get_actions(request), where
    assert seen, "no admin found for the append-only models"


def test_the_admin_cannot_delete_a_community(rows):
    """Deleting a community in /admin/ would cascade past records disposition (SPEC §4)."""
    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = RequestFactory().get("/")
    request.user = superuser
    community_admin = admin.site._registry[Community]
    community = Community.objects.get(pk=rows["communities.MembershipEvent"].community_id)
    assert not community_admin.has_delete_permission(request, community)


def test_destroying_a_community_keeps_its_membership_events_and_access_log(rows):
    """Records disposition destroys a community: its append-only rows stay, with its id (no cascade,
    no SET NULL: on PostgreSQL either would be refused by the trigger and roll the disposal back)."""
    event, log = rows["communities.MembershipEvent"], rows["posts.AccessLog"]
    community = Community.objects.get(pk=event.community_id)
    moderation = rows["moderation.ModerationAction"]
    with transaction.atomic():
        destroy_community(community)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert MembershipEvent.objects.filter(pk=event.pk, community_id=community.pk).exists()
    assert AccessLog.objects.filter(pk=log.pk, community_id=community.pk).exists()
    assert ModerationAction.objects.filter(pk=moderation.pk, community_id=community.pk).exists()


# --- on PostgreSQL: the database itself refuses ---------------------------------------------


def _trigger_on(table):
    """The enabled BEFORE UPDATE OR DELETE row triggers on ``table`` (pg_trigger.tgtype bits:
    1 row, 2 before, 8 delete, 16 update)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tgname FROM pg_trigger
            WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled IN ('O', 'A')
              AND tgtype & 1 = 1 AND tgtype & 2 = 2 AND tgtype & 8 = 8 AND tgtype & 16 = 16
            """,
            [connection.ops.quote_name(table)],
        )
        return [name for (name,) in cursor.fetchall()]


@on_postgresql
@pytest.mark.parametrize("label", APPEND_ONLY_LABELS)
def test_each_table_has_its_trigger_on_postgresql(label):
    model = apps.get_model(label)
    expected = HAND_WRITTEN[label][2] if label in HAND_WRITTEN else trigger_name(model._meta.db_table)
    assert expected in _trigger_on(model._meta.db_table), f"{model._meta.db_table} lacks its append-only trigger"


@on_postgresql
def test_a_table_without_the_trigger_is_noticed():
    """The check above is not vacuous: a table without the trigger has none."""
    assert _trigger_on(Community._meta.db_table) == []


def _refused():
    return pytest.raises(DatabaseError, match="append-only")


@on_postgresql
@pytest.mark.parametrize("label", sorted(SPEC_APPEND_ONLY.values()))
def test_the_database_refuses_update_and_delete_on_postgresql(rows, label):
    row = rows[label]
    model = type(row)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    field = _a_field(model)
    column = connection.ops.quote_name(field.column)
    base = model._base_manager  # a plain manager: past the Python guards, straight to the database
    with _refused(), transaction.atomic():
        base.filter(pk=row.pk).update(**{field.name: F(field.name)})
    with _refused(), transaction.atomic():
        base.filter(pk=row.pk).delete()
    for sql in (f"UPDATE {table} SET {column} = {column} WHERE {pk} = %s", f"DELETE FROM {table} WHERE {pk} = %s"):
        with _refused(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    with connection.cursor() as cursor:  # an INSERT succeeds: the row is there, and a copy of it goes in
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {pk} = %s", [row.pk])
        assert cursor.fetchone() == (1,)
    copy = model._base_manager.get(pk=row.pk)
    copy.pk = None
    copy._state.adding = True
    if label == "records.DispositionRecord":
        copy.target_id += 1  # one disposition per item
    if label == "records.Certificate":  # one certificate per batch
        copy.batch = DispositionBatch.objects.create(schedule=copy.batch.schedule, as_of=timezone.now())
    copy.save()
    assert model.objects.filter(pk=copy.pk).exists()


@on_postgresql
def test_the_trigger_refuses_a_cascade_from_a_user_too(rows):
    """Accounts are never deleted (SPEC §4): an attempt fails, it does not strip their records."""
    owner = rows["posts.AccessLog"].user
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 — ProtectedError or the trigger's refusal
        type(owner)._base_manager.filter(pk=owner.pk).delete()
    assert AccessLog.objects.filter(user=owner).exists()
