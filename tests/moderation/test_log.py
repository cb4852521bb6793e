"""SPEC §3: the moderation log is append-only — nobody can edit or delete it, admin included."""
import pytest
from django.db import DatabaseError, connection, transaction

from communities.models import Role
from moderation.models import AppendOnlyError, ModerationAction
from tests.factories import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(cast, post_in):
    post = post_in()
    return ModerationAction.objects.create(
        actor=cast["owner"], action="hide", target_type="post", target_id=post.pk, community=cast["a"], reason="r"
    )


def test_a_log_row_cannot_be_saved_again(entry):
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_a_log_row_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_log_queryset_refuses_update_and_delete(entry):
    with pytest.raises(AppendOnlyError):
        ModerationAction.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        ModerationAction.objects.all().delete()
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update runs without a savepoint
        ModerationAction.objects.bulk_update([entry], ["reason"])
    assert ModerationAction.objects.get(pk=entry.pk).reason == "r"


def test_the_admin_cannot_change_or_delete_the_log(entry, cast, client):
    # The system manager sees the row only as someone who may see its item (SPEC §2.2): a member of A.
    add_member(cast["a"], cast["boss"], Role.MEMBER)
    client.force_login(cast["boss"])
    base = f"/admin/moderation/moderationaction/{entry.pk}"
    assert client.get(f"{base}/change/").status_code == 200  # view only
    assert client.post(f"{base}/change/", {"reason": "rewritten"}).status_code == 403
    assert client.get(f"{base}/delete/").status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/moderation/moderationaction/add/").status_code == 403
    response = client.post(
        "/admin/moderation/moderationaction/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert ModerationAction.objects.filter(pk=entry.pk, reason="r").exists()


def test_the_moderation_site_cannot_change_or_delete_the_log(entry, cast, client):
    client.force_login(cast["owner"])
    base = f"/moderation/moderation/moderationaction/{entry.pk}"
    assert client.get(f"{base}/change/").status_code == 200
    assert client.post(f"{base}/change/", {"reason": "rewritten"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert ModerationAction.objects.get(pk=entry.pk).reason == "r"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_update_and_delete_on_postgresql(entry):
    table = ModerationAction._meta.db_table
    for sql in (f"UPDATE {table} SET reason = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert ModerationAction.objects.get(pk=entry.pk).reason == "r"
