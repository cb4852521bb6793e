"""The records API (SPEC §6): records officers only; bad input is 400 and changes nothing."""
import csv
import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone

from records import disposition, quarantine
from records.models import DispositionBatch, Hold, RetentionSchedule

from .conftest import make_post, schedule

pytestmark = pytest.mark.django_db

GETS = ["schedules/", "holds/", "batches/", "inventory/", "stale/", "due/", "quarantine/"]


@pytest.mark.parametrize("path", GETS)
def test_everyone_but_records_officers_gets_403(cast, api, path):
    assert api(cast["owner"]).get(f"/api/v1/records/{path}").status_code == 403


@pytest.mark.parametrize("path", GETS)
def test_anonymous_is_refused(db, api, path):
    assert api().get(f"/api/v1/records/{path}").status_code in (401, 403)


@pytest.mark.parametrize("path", GETS)
def test_records_officers_read_the_reports(officer, api, community, cast, path):
    make_post(community, cast["author"])
    schedule("post", retain_days=30)
    assert api(officer).get(f"/api/v1/records/{path}").status_code == 200


def test_writes_are_refused_to_others(cast, api, community, officer):
    post = make_post(community, cast["author"])
    client = api(cast["owner"])
    assert client.post("/api/v1/records/schedules/", {"name": "x", "content_type": "post", "retain_days": 1,
                                                       "disposition": "destroy"}, format="json").status_code == 403
    assert client.post("/api/v1/records/holds/", {"target_type": "post", "target_id": post.pk, "reason": "x"},
                       format="json").status_code == 403
    schedule("post", retain_days=30)
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    assert client.post(f"/api/v1/records/batches/{batch.pk}/approve/").status_code == 403
    assert client.get(f"/api/v1/records/batches/{batch.pk}/certificate/").status_code == 403
    assert not RetentionSchedule.objects.filter(name="x").exists() and not Hold.objects.exists()
    batch.refresh_from_db()
    assert batch.state == "pending"


def test_create_a_schedule(officer, api):
    response = api(officer).post("/api/v1/records/schedules/", {
        "name": "Confidential posts", "content_type": "post", "classification": "confidential",
        "retain_days": 3650, "disposition": "transfer",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["classification"] == "confidential"
    response = api(officer).post("/api/v1/records/schedules/", {
        "name": "Any wiki", "content_type": "wiki", "classification": None, "retain_days": 365,
        "disposition": "destroy",
    }, format="json")
    assert response.status_code == 201 and response.json()["classification"] is None


@pytest.mark.parametrize("payload", [
    {"content_type": "comment"},
    {"classification": "secret"},
    {"retain_days": 0},
    {"retain_days": "soon"},
    {"disposition": "shred"},
    {"name": ""},
    {"unknown": 1},
])
def test_bad_schedules_are_400_and_change_nothing(officer, api, payload):
    data = {"name": "S", "content_type": "post", "classification": None, "retain_days": 30,
            "disposition": "destroy", **payload}
    response = api(officer).post("/api/v1/records/schedules/", data, format="json")
    assert response.status_code == 400
    assert not RetentionSchedule.objects.exists()


def test_a_second_schedule_for_the_same_type_and_level_is_400(officer, api):
    schedule("post", classification=None)
    response = api(officer).post("/api/v1/records/schedules/", {
        "name": "Again", "content_type": "post", "retain_days": 30, "disposition": "destroy"}, format="json")
    assert response.status_code == 400
    assert RetentionSchedule.objects.count() == 1


def test_place_list_and_release_holds(officer, api, community, cast):
    post = make_post(community, cast["author"])
    client = api(officer)
    response = client.post("/api/v1/records/holds/", {"target_type": "post", "target_id": post.pk,
                                                       "reason": "Legal request", "category": "legal_request"},
                           format="json")
    assert response.status_code == 201, response.json()
    hold_id = response.json()["id"]
    response = client.post("/api/v1/records/holds/", {"target_type": "community", "target_id": "audit",
                                                       "reason": "Investigation"}, format="json")
    assert response.status_code == 201 and response.json()["target_id"] == "audit"
    assert len(client.get("/api/v1/records/holds/?active=1").json()["results"]) == 2
    response = client.post(f"/api/v1/records/holds/{hold_id}/release/", {"note": "settled"}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client.post(f"/api/v1/records/holds/{hold_id}/release/").status_code == 400
    assert len(client.get("/api/v1/records/holds/?active=1").json()["results"]) == 1


@pytest.mark.parametrize("payload", [
    {"target_type": "post", "target_id": 424242, "reason": "x"},
    {"target_type": "community", "target_id": "missing", "reason": "x"},
    {"target_type": "comment", "target_id": 1, "reason": "x"},
    {"target_type": "post", "target_id": 1, "reason": ""},
    {"target_type": "post", "target_id": 1, "reason": "x", "category": "whim"},
])
def test_bad_holds_are_400_and_change_nothing(officer, api, community, cast, payload):
    make_post(community, cast["author"])
    assert api(officer).post("/api/v1/records/holds/", payload, format="json").status_code == 400
    assert not Hold.objects.exists()


def test_review_confirm_approve_purge_and_certificate(officer, api, community, cast, private_media,
                                                     django_capture_on_commit_callbacks):
    post = make_post(community, cast["author"])
    kept = make_post(community, cast["author"], title="Keep me")
    schedule("post", retain_days=30, disposition="transfer")
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    client = api(officer)
    (listed,) = client.get("/api/v1/records/batches/").json()["results"]
    assert (listed["id"], listed["state"], listed["total"], listed["done"]) == (batch.pk, "pending", 2, 0)
    assert listed["communities"] == [{"community": "audit", "confirmed": False, "confirmed_by": None,
                                      "confirmed_at": None, "by_records_officer": False}]
    items = client.get(f"/api/v1/records/batches/{batch.pk}/items/").json()["results"]
    assert items[0] == {"type": "post", "id": post.pk, "classification": "confidential", "community": "audit",
                        "disposition": "transfer", "last_activity_at": items[0]["last_activity_at"],
                        "state": "pending", "reason": "", "purge_after": None}
    assert "Budget review" not in str(items) and "Secret body" not in str(items)

    # Four eyes: approval waits for the office of record (409), which is the community's owner.
    response = client.post(f"/api/v1/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)}, format="json")
    assert response.status_code == 409 and "audit" in response.json()["detail"]
    assert client.post(f"/api/v1/records/batches/{batch.pk}/confirm/", {"community": "audit"},
                       format="json").status_code == 403  # the community has an owner: they confirm
    owner = api(cast["owner"])
    response = owner.post(f"/api/v1/records/batches/{batch.pk}/confirm/", {
        "community": "audit", "withhold": [{"target_type": "post", "target_id": kept.pk, "reason": "Still needed"}],
    }, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "confirmed" and response.json()["communities"][0]["confirmed_by"] == "owner"
    assert owner.post(f"/api/v1/records/batches/{batch.pk}/confirm/", {"community": "audit"},
                      format="json").status_code == 409
    assert client.post(f"/api/v1/records/batches/{batch.pk}/approve/", {"confirm": "7777"},
                       format="json").status_code == 400

    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the batch runs on commit
        response = client.post(f"/api/v1/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)},
                               format="json")
    assert response.status_code == 200 and response.json()["approved_by"] == "officer"
    assert client.post(f"/api/v1/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)},
                       format="json").status_code == 409
    batch.refresh_from_db()
    assert (batch.state, batch.done, batch.total) == ("completed", 1, 1)
    assert client.get(f"/api/v1/records/batches/{batch.pk}/certificate/").status_code == 404  # in quarantine
    (quarantined,) = client.get("/api/v1/records/quarantine/").json()["results"]
    assert (quarantined["target_type"], quarantined["target_id"]) == ("post", post.pk)

    quarantine.purge_due(now=timezone.now() + dt.timedelta(days=31))
    certificate = client.get(f"/api/v1/records/batches/{batch.pk}/certificate/").json()
    (row,) = certificate["items"]
    assert row["target_id"] == post.pk and row["approved_by"] == "officer" and row["confirmed_by"] == "owner"
    assert row["method"] == "transferred" and len(row["package_sha256"]) == 64
    response = client.get(f"/api/v1/records/batches/{batch.pk}/certificate/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert hashlib.sha256(response.content).hexdigest() == certificate["sha256"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["target_id"] == str(post.pk) and rows[0]["schedule"] == batch.schedule.name
    assert rows[0]["package_sha256"] == row["package_sha256"]


def test_reports_show_metadata_only(officer, api, community, cast):
    make_post(community, cast["author"])
    schedule("post", retain_days=30)
    client = api(officer)
    inventory = client.get("/api/v1/records/inventory/").json()["rows"]
    assert {"community": "audit", "type": "post", "classification": "confidential", "age": "7-20y",
            "count": 1} in inventory
    due = client.get("/api/v1/records/due/").json()
    assert due["schedules"][0]["due_now"] == 1
    assert "Budget review" not in str(inventory) + str(due)


def test_confirm_answers_404_for_what_the_caller_may_not_see_and_403_for_what_they_may_not_do(
    officer, api, community, cast
):
    from communities.models import Role
    from tests.factories import CommunityFactory, add_member

    make_post(community, cast["author"])
    other = CommunityFactory(visibility="open", slug="elsewhere", name="Elsewhere")
    add_member(other, cast["plain"], Role.OWNER)
    make_post(other, cast["plain"], level="unclassified")
    schedule("post", retain_days=30)
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    url = f"/api/v1/records/batches/{batch.pk}/confirm/"
    # Not an owner of any community of the batch: the batch does not exist for them.
    assert api(cast["outsider"]).post(url, {"community": "audit"}, format="json").status_code == 404
    assert api(cast["author"]).post(url, {"community": "audit"}, format="json").status_code == 404
    # The owner of "elsewhere" sees "audit" (a member) but does not own it: 403; a community not in
    # the batch: 404; bad input: 400 and nothing changes.
    plain = api(cast["plain"])
    assert plain.post(url, {"community": "audit"}, format="json").status_code == 403
    assert plain.post(url, {"community": "nowhere"}, format="json").status_code == 404
    assert plain.post(url, {"community": "elsewhere", "withhold": [{"target_type": "post"}]},
                      format="json").status_code == 400
    assert plain.post(url, {"community": "elsewhere", "extra": 1}, format="json").status_code == 400
    assert not batch.communities.filter(confirmed_at__isnull=False).exists()
    response = plain.post(url, {"community": "elsewhere"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "pending"  # audit still to confirm
