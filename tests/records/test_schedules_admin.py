"""System managers manage retention schedules in /admin/ too (SPEC §4): the same
rules and clear errors as the records officers' pages (not a constraint's name), the records audit
log, and the schedule's history (who, when, what) on the admin's history page."""
import re

import pytest

from records.models import DispositionBatch, RecordsAuditLog, RetentionSchedule
from tests.factories import UserFactory

from .conftest import schedule

pytestmark = pytest.mark.django_db

URL = "/admin/records/retentionschedule/"
FORM = {"name": "Any posts", "content_type": "post", "classification": "", "retain_days": "365",
        "disposition": "transfer", "authority": "ARMS-7", "justification": "", "restore_days": "30"}


@pytest.fixture
def manager(client):
    user = UserFactory(username="sysman", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def _errors(response):
    return " ".join(re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', response.content.decode(), re.S))


def test_a_system_manager_adds_and_changes_a_schedule_logged_with_history(manager, client):
    response = client.post(f"{URL}add/", FORM)
    assert response.status_code == 302, _errors(response)
    s = RetentionSchedule.objects.get()
    assert s.created_by == manager and s.classification is None and s.authority == "ARMS-7"
    response = client.post(f"{URL}{s.pk}/change/", {**FORM, "disposition": "destroy"})
    assert response.status_code == 302, _errors(response)
    s.refresh_from_db()
    assert s.disposition == "destroy"
    assert list(RecordsAuditLog.objects.order_by("at", "id").values_list("action", "actor")) == [
        ("schedule_created", manager.pk), ("schedule_changed", manager.pk)]
    html = client.get(f"{URL}{s.pk}/history/").content.decode()
    assert "sysman" in html and "<bdi>Transfer to the archives</bdi> → <bdi>Destroy</bdi>" in html


@pytest.mark.parametrize(("change", "text"), [
    ({"classification": ""}, "already covers any level of this content type"),
    ({"retain_days": "0"}, "from 1 to"),
    ({"name": "First"}, "Another schedule already has this name"),
])
def test_refusals_are_clear_field_errors(manager, client, change, text):
    schedule("post", classification=None, name="First")
    other = schedule("post", classification="confidential", name="Second")
    response = client.post(f"{URL}{other.pk}/change/", {**FORM, "name": "Second", "classification": "confidential",
                                                        **change})
    assert response.status_code == 200
    errors = _errors(response)
    assert text in errors and "Constraint" not in errors
    other.refresh_from_db()
    assert (other.name, other.classification, other.retain_days) == ("Second", "confidential", 365)


def test_a_schedule_batches_were_gathered_under_cannot_be_deleted_and_others_are_logged(manager, client):
    used = schedule("post", name="Used")
    DispositionBatch.objects.create(schedule=used, as_of=used.created_at)
    assert client.get(f"{URL}{used.pk}/delete/").status_code == 403
    unused = schedule("wiki", name="Unused")
    response = client.post(f"{URL}{unused.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not RetentionSchedule.objects.filter(pk=unused.pk).exists()
    assert RecordsAuditLog.objects.get(action="schedule_deleted").actor == manager


def test_records_officers_use_their_own_pages_not_the_admin(officer, client):
    client.force_login(officer)
    assert client.get(URL).status_code == 302  # to the admin's login: /admin/ is for system managers
    assert client.get("/records/schedules/").status_code == 200
