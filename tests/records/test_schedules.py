"""Retention schedules (SPEC §4, §6): records officers manage them in the browser
at /records/schedules/ and in the API, with authority, justification, restore window and a full
history; "Gather now" gathers due items at once. Everyone else 403; bad input a clear error."""
import pytest
from django.utils import timezone

from records import schedules
from records.models import DispositionBatch, RecordsAuditLog, RetentionSchedule

from .conftest import make_post, schedule

pytestmark = pytest.mark.django_db

API = "/api/v1/records/schedules/"
VALID = {"name": "Confidential posts", "content_type": "post", "classification": "confidential",
         "retain_days": "3650", "disposition": "transfer", "authority": "ST/SGB/2007/5 annex 2",
         "justification": "Kept ten years for audit.", "restore_days": "30"}


# --- browser ---------------------------------------------------------------------------------


def test_the_records_home_page_links_to_the_schedules_and_offers_gather_now(officer, client):
    client.force_login(officer)
    html = client.get("/records/").content.decode()
    assert 'href="/records/schedules/"' in html
    assert 'action="/records/gather/"' in html


def test_officers_list_schedules_with_every_column(officer, client):
    schedule("post", classification="confidential", retain_days=3650, disposition="transfer", name="Conf posts")
    RetentionSchedule.objects.filter(name="Conf posts").update(authority="ARMS-42", restore_days=45)
    schedule("wiki", retain_days=365, name="Any wiki")
    client.force_login(officer)
    response = client.get("/records/schedules/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Conf posts", "Post", "Confidential", "3650", "Transfer to the archives", "ARMS-42", "45",
                 "Any wiki", "Wiki page", "any level", "Destroy"):
        assert text in html, text


@pytest.mark.parametrize("path", ["/records/schedules/", "/records/schedules/new/", "/records/schedules/{id}/",
                                  "/records/schedules/{id}/history/"])
def test_everyone_but_records_officers_gets_403_for_an_existing_and_a_missing_id_alike(cast, client, path):
    s = schedule("post")
    client.force_login(cast["owner"])
    assert client.get(path.format(id=s.pk)).status_code == 403
    assert client.get(path.format(id=987654)).status_code == 403


def test_others_cannot_create_edit_or_gather(cast, client):
    s = schedule("post", retain_days=10)
    client.force_login(cast["owner"])
    assert client.post("/records/schedules/new/", {**VALID, "name": "x"}).status_code == 403
    assert client.post(f"/records/schedules/{s.pk}/", {**VALID, "content_type": "post"}).status_code == 403
    assert client.post("/records/gather/").status_code == 403
    s.refresh_from_db()
    assert s.retain_days == 10 and RetentionSchedule.objects.count() == 1
    assert not RecordsAuditLog.objects.exists()


def test_anonymous_goes_to_the_login_page(client):
    response = client.get("/records/schedules/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_missing_schedule_is_404_to_an_officer(officer, client):
    client.force_login(officer)
    assert client.get("/records/schedules/987654/").status_code == 404
    assert client.get("/records/schedules/987654/history/").status_code == 404


def test_an_officer_creates_a_schedule_in_the_browser(officer, client):
    client.force_login(officer)
    form = client.get("/records/schedules/new/").content.decode()
    for field in ("name", "content_type", "classification", "retain_days", "disposition", "authority",
                  "justification", "restore_days"):
        assert f'for="id_{field}"' in form, field  # every field has its label
    assert 'value="30"' in form  # the restore window's default
    response = client.post("/records/schedules/new/", VALID)
    assert response.status_code == 302 and response["Location"] == "/records/schedules/"
    s = RetentionSchedule.objects.get()
    assert (s.content_type, s.classification, s.retain_days, s.disposition, s.authority, s.restore_days) == (
        "post", "confidential", 3650, "transfer", "ST/SGB/2007/5 annex 2", 30)
    assert s.created_by == officer
    assert RecordsAuditLog.objects.get(action="schedule_created").actor == officer


def test_an_empty_level_means_any_level(officer, client):
    client.force_login(officer)
    client.post("/records/schedules/new/", {**VALID, "classification": ""})
    assert RetentionSchedule.objects.get().classification is None


@pytest.mark.parametrize(("existing", "level", "field_text"), [
    ("confidential", "confidential", "already covers this content type at this level"),
    (None, "", "already covers any level of this content type"),
])
def test_a_second_schedule_for_the_same_type_and_level_is_a_field_error_not_a_500(
        officer, client, existing, level, field_text):
    schedule("post", classification=existing, name="First")
    client.force_login(officer)
    response = client.post("/records/schedules/new/", {**VALID, "classification": level})
    html = response.content.decode()
    assert response.status_code == 400
    assert field_text in html and "First" in html
    assert 'href="#id_classification"' in html  # the summary points at the field
    assert 'aria-invalid="true"' in html
    assert RetentionSchedule.objects.count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"retain_days": "0"}, "retain_days"),
    ({"retain_days": "soon"}, "retain_days"),
    ({"restore_days": "0"}, "restore_days"),
    ({"disposition": "shred"}, "disposition"),
    ({"content_type": "comment"}, "content_type"),
    ({"classification": "secret"}, "classification"),
    ({"name": ""}, "name"),
])
def test_bad_input_is_shown_on_its_field_and_changes_nothing(officer, client, change, field):
    client.force_login(officer)
    response = client.post("/records/schedules/new/", {**VALID, **change})
    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    assert not RetentionSchedule.objects.exists()


def test_an_officer_edits_a_schedule_and_the_history_says_who_when_what(officer, client):
    client.force_login(officer)
    client.post("/records/schedules/new/", VALID)
    s = RetentionSchedule.objects.get()
    page = client.get(f"/records/schedules/{s.pk}/").content.decode()
    assert 'value="Confidential posts"' in page and 'value="ST/SGB/2007/5 annex 2"' in page
    response = client.post(f"/records/schedules/{s.pk}/", {**VALID, "disposition": "destroy", "retain_days": "400"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert (s.disposition, s.retain_days) == ("destroy", 400)
    logged = RecordsAuditLog.objects.get(action="schedule_changed")
    assert logged.actor == officer
    assert logged.details["changes"] == {"retain_days": [3650, 400], "disposition": ["transfer", "destroy"]}
    history = client.get(f"/records/schedules/{s.pk}/history/")
    html = history.content.decode()
    assert history.status_code == 200
    assert "officer" in html and "Created" in html and "Changed" in html
    assert "<bdi>Transfer to the archives</bdi> → <bdi>Destroy</bdi>" in html
    assert "<bdi>3650</bdi> → <bdi>400</bdi>" in html


def test_editing_into_a_clash_is_a_field_error(officer, client):
    schedule("post", classification="confidential", name="Conf")
    other = schedule("post", classification="unclassified", name="Unclass")
    client.force_login(officer)
    response = client.post(f"/records/schedules/{other.pk}/", {**VALID, "name": "Unclass"})
    assert response.status_code == 400 and "already covers" in response.content.decode()
    other.refresh_from_db()
    assert other.classification == "unclassified"


def test_the_services_refuse_others(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        schedules.schedule_create(actor=cast["owner"], **VALID)
    with pytest.raises(PermissionDenied):
        schedules.gather_now(actor=cast["owner"])


def test_a_race_on_the_unique_key_is_a_field_error(officer, monkeypatch):
    """Two officers saving the same (type, level) at once: the database's key answers, as a field error."""
    from django.core.exceptions import ValidationError

    real_clean = schedules.schedule_check
    calls = []

    def clean_then_lose_the_race(data, *, instance=None):
        clean = real_clean(data, instance=instance)
        if not calls:
            calls.append(1)
            schedule("post", classification="confidential", name="Won the race")
        return clean

    monkeypatch.setattr(schedules, "schedule_check", clean_then_lose_the_race)
    with pytest.raises(ValidationError) as caught:
        schedules.schedule_create(actor=officer, **{**VALID, "retain_days": 10})
    assert "classification" in caught.value.message_dict
    # (the stand-in for the other officer wrote inside this transaction, so it rolled back too)
    assert not RetentionSchedule.objects.filter(retain_days=10).exists()


# --- gather now ------------------------------------------------------------------------------


def test_gather_now_gathers_due_items_says_what_and_is_logged(officer, client, community, cast):
    make_post(community, cast["author"])
    make_post(community, cast["author"], title="Second")
    schedule("post", retain_days=30)
    client.force_login(officer)
    response = client.post("/records/gather/", follow=True)
    assert response.redirect_chain[-1][0] == "/records/batches/"
    html = response.content.decode()
    assert "Gathered 2 due items into 1 new batch" in html
    batch = DispositionBatch.objects.get()
    assert batch.total == 2 and batch.state == "pending"
    logged = RecordsAuditLog.objects.get(action="gathered_now")
    assert logged.actor == officer and logged.details["batches"] == 1 and logged.details["items"] == 2


def test_gather_now_with_nothing_due_says_so(officer, client):
    client.force_login(officer)
    response = client.post("/records/gather/", follow=True)
    assert "Nothing is due" in response.content.decode()
    assert not DispositionBatch.objects.exists()
    assert RecordsAuditLog.objects.filter(action="gathered_now", actor=officer).exists()


def test_gather_now_is_post_only(officer, client):
    client.force_login(officer)
    assert client.get("/records/gather/").status_code == 405


def test_gather_now_runs_the_gathering_job_in_celery(officer, client, monkeypatch):
    from records import tasks

    sent = []
    monkeypatch.setattr(tasks.gather_now_task, "delay", lambda *args: sent.append(args) or _Pending())
    client.force_login(officer)
    response = client.post("/records/gather/", follow=True)
    assert sent == [(officer.pk,)]
    assert "Gathering started" in response.content.decode()


class _Pending:
    def ready(self):
        return False


# --- API -------------------------------------------------------------------------------------


def _json(**changes):
    data = {**VALID, "retain_days": 3650, "restore_days": 30, **changes}
    return {k: v for k, v in data.items() if v is not ...}


def test_api_create_defaults_restore_days_to_30_and_returns_every_field(officer, api):
    response = api(officer).post(API, _json(restore_days=..., authority=..., justification=...), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["restore_days"] == 30 and body["authority"] == "" and body["justification"] == ""
    assert set(body) >= {"id", "name", "content_type", "classification", "retain_days", "disposition", "authority",
                         "justification", "restore_days"}
    assert RecordsAuditLog.objects.get(action="schedule_created").actor == officer


def test_api_patch_changes_only_what_it_names_and_keeps_history(officer, api):
    client = api(officer)
    sid = client.post(API, _json(), format="json").json()["id"]
    response = client.patch(f"{API}{sid}/", {"disposition": "destroy", "restore_days": 60}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["disposition"] == "destroy" and response.json()["retain_days"] == 3650
    history = client.get(f"{API}{sid}/history/")
    assert history.status_code == 200
    versions = history.json()["results"]
    assert [v["type"] for v in versions] == ["changed", "created"]
    assert versions[0]["user"] == "officer"  # recorded for API logins too
    assert {c["field"]: (c["old"], c["new"]) for c in versions[0]["changes"]} == {
        "disposition": ("transfer", "destroy"), "restore_days": (30, 60)}


def test_api_patch_to_any_level_with_null(officer, api):
    client = api(officer)
    sid = client.post(API, _json(), format="json").json()["id"]
    response = client.patch(f"{API}{sid}/", {"classification": None}, format="json")
    assert response.status_code == 200 and response.json()["classification"] is None


@pytest.mark.parametrize("payload", [
    {"retain_days": 0}, {"restore_days": 0}, {"disposition": "shred"}, {"unknown": 1}, {"name": ""},
    {"classification": "secret"},
])
def test_api_bad_patch_is_400_with_detail_and_changes_nothing(officer, api, payload):
    client = api(officer)
    sid = client.post(API, _json(), format="json").json()["id"]
    response = client.patch(f"{API}{sid}/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert RetentionSchedule.objects.get().retain_days == 3650
    assert RetentionSchedule.objects.get().history.count() == 1


def test_api_clash_is_400_with_detail_on_create_and_patch(officer, api):
    client = api(officer)
    client.post(API, _json(), format="json")
    response = client.post(API, _json(name="Other"), format="json")
    assert response.status_code == 400
    assert "already covers" in response.json()["detail"] and response.json()["classification"]
    other = client.post(API, _json(name="Other", classification="unclassified"), format="json").json()["id"]
    response = client.patch(f"{API}{other}/", {"classification": "confidential"}, format="json")
    assert response.status_code == 400 and "already covers" in response.json()["detail"]


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("patch", ""), ("get", "history/")])
def test_api_others_get_403_and_officers_404_for_a_missing_id(cast, officer, api, method, suffix):
    s = schedule("post")
    for sid in (s.pk, 987654):
        assert getattr(api(cast["owner"]), method)(f"{API}{sid}/{suffix}", {}, format="json").status_code == 403
    assert getattr(api(officer), method)(f"{API}987654/{suffix}", {}, format="json").status_code == 404


def test_api_put_and_delete_are_not_offered(officer, api):
    s = schedule("post")
    assert api(officer).put(f"{API}{s.pk}/", _json(), format="json").status_code == 405
    assert api(officer).delete(f"{API}{s.pk}/").status_code == 405
    assert RetentionSchedule.objects.filter(pk=s.pk).exists()


def test_gather_now_service_returns_what_gather_due_gathered(officer, community, cast):
    make_post(community, cast["author"])
    schedule("post", retain_days=30)
    assert schedules.gather_now(actor=officer, now=timezone.now()) == {"batches": 1, "items": 1}
