"""The long records reports run in Celery and show progress in the page (SPEC §4).

Inventory, due for disposition and the access log are computed by
``run_report_task``; their pages show the latest finished run, a button to
run it again, and while a run is under way a <progress> bar polled from
``/records/reports/<id>/progress.json``. Celery is eager in the tests: the
task runs when the request's transaction commits.
"""
import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_ignore

from communities.models import Community
from posts.models.access_log import AccessLog
from records import reports, tasks
from records.models import RecordsAuditLog, ReportRun
from tests.factories import CommunityFactory, PostFactory, UserFactory

from .conftest import make_post, make_wiki, schedule
from .report_helpers import LONG_REPORTS, run_all_reports, run_report

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Quetzalcoatlbudget"
SECRET_BODY = "Secret body"
PAGES = {"inventory": "/records/inventory/", "due": "/records/due/", "access_log": "/records/access-log/"}


@pytest.fixture
def world(community, cast, officer):
    """Old and new posts and a wiki page with a distinctive title, two schedules, views in the access log."""
    posts = [make_post(community, cast["author"], title=f"{SECRET_TITLE} {n}", level=level)
             for n, level in enumerate(["unclassified", "confidential", "strictly_confidential"])]
    make_post(community, cast["author"], title=f"{SECRET_TITLE} new", old=False)
    make_wiki(community, cast["author"], title=f"{SECRET_TITLE} wiki")
    with zeal_ignore():
        other = CommunityFactory(slug="other", name="Other")
        PostFactory(community=other, title=f"{SECRET_TITLE} other", classification="confidential")
    schedule("post", retain_days=30)
    schedule("wiki", retain_days=30, disposition="transfer")
    for user in (cast["author"], cast["plain"]):
        AccessLog.objects.create(user=user, target_type="post", target_id=posts[2].pk, community=community,
                                 classification="strictly_confidential")
    return posts


def post_run(client, kind):
    """The page's button: POST, the run is queued on commit and (eager) computed, then back to the page."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"/records/reports/{kind}/run/")


def expected_result(kind, run):
    if kind == "inventory":
        return {"rows": reports.json_safe(reports.inventory(now=run.as_of))}
    if kind == "due":
        return reports.json_safe(reports.due(now=run.as_of))
    rows = reports.json_safe(reports.access_log(as_of=run.as_of, limit=reports.row_cap()))
    return {"rows": rows, "total": len(rows), "truncated": False, "cap": reports.row_cap()}


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark (SPEC §4)"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- running a report --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LONG_REPORTS)
def test_a_records_officer_runs_a_long_report_and_its_result_is_the_selectors(client, world, officer, kind):
    client.force_login(officer)
    response = post_run(client, kind)
    assert response.status_code == 302 and response["Location"] == PAGES[kind]
    run = ReportRun.objects.get(kind=kind)
    assert run.state == ReportRun.State.DONE and run.requested_by == officer
    assert run.total > 0 and run.done == run.total
    assert run.started_at and run.finished_at and run.heartbeat_at and not run.error
    assert run.result == expected_result(kind, run)
    assert RecordsAuditLog.objects.filter(action="report_requested", target_id=str(run.pk), actor=officer).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Computed at" in html and f"run {run.pk} requested by officer" in html
    assert "Run the report again" in html and 'action="/records/reports/' in html
    assert "<progress" not in html  # nothing under way


def test_the_inventory_runs_one_step_per_slice_of_communities(world, officer, settings):
    with zeal_ignore():
        for n in range(5):
            PostFactory(community=CommunityFactory(slug=f"s{n}"), classification="unclassified")
    settings.RECORDS_REPORT_COMMUNITY_SLICE = 2
    steps = []
    as_of = timezone.now()
    result = reports.run_inventory(as_of=as_of, progress=lambda done, total: steps.append((done, total)))
    n_slices = -(-Community.objects.count() // 2)
    assert steps == [(i, n_slices) for i in range(n_slices + 1)]
    assert result == {"rows": reports.json_safe(reports.inventory(now=as_of))}
    run = run_report(officer, "inventory")
    assert (run.done, run.total) == (n_slices, n_slices)
    assert run.result == {"rows": reports.json_safe(reports.inventory(now=run.as_of))}


def test_the_due_report_runs_one_step_per_schedule(world, officer):
    run = run_report(officer, "due")
    assert (run.done, run.total) == (2, 2)
    assert [s["name"] for s in run.result["schedules"]] == ["post any destroy", "wiki any transfer"]
    assert run.result["schedules"][0]["due_now"] == 3  # the three old posts (the others are recent)


def test_with_nothing_to_count_a_run_still_has_one_step(db, officer):
    for kind in LONG_REPORTS:
        run = run_report(officer, kind)
        assert run.state == "done" and (run.done, run.total) == (1, 1), kind


def test_the_access_log_is_read_in_pages_and_capped(client, world, cast, officer, settings):
    AccessLog.objects.bulk_create([
        AccessLog(user=cast["owner"], target_type="wiki", target_id=i, classification="strictly_confidential",
                  via="api") for i in range(5)
    ])
    as_of = timezone.now()
    steps = []
    result = reports.run_access_log(as_of=as_of, progress=lambda d, t: steps.append((d, t)), chunk=2, cap=5)
    assert steps == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert result["rows"] == reports.json_safe(reports.access_log(as_of=as_of, limit=5))
    assert (result["total"], result["truncated"], len(result["rows"])) == (7, True, 5)
    settings.RECORDS_REPORT_ROW_CAP = 5
    run_report(officer, "access_log")
    client.force_login(officer)
    html = client.get("/records/access-log/").content.decode()
    assert "7 views logged up to then; this run kept the newest 5" in html


def test_the_access_log_run_keeps_what_the_old_page_showed_metadata_only(client, world, cast, officer):
    run = run_report(officer, "access_log")
    row = run.result["rows"][0]
    assert set(row) == {"id", "at", "user", "target_type", "target_id", "classification", "community", "via"}
    assert (row["user"], row["target_type"], row["target_id"], row["community"], row["via"]) == (
        "plain", "post", world[2].pk, "audit", "web")
    client.force_login(officer)
    html = client.get("/records/access-log/").content.decode()
    assert "<bdi>plain</bdi>" in html and "<bdi>author</bdi>" in html


# --- progress in the page ----------------------------------------------------------------------


def running_run(kind="inventory", **fields):
    now = timezone.now()
    return ReportRun.objects.create(kind=kind, **{"state": "running", "done": 3, "total": 10,
                                                  "started_at": now, "heartbeat_at": now, **fields})


@pytest.mark.parametrize("kind", LONG_REPORTS)
def test_the_page_shows_progress_while_a_run_is_under_way(client, officer, kind):
    run = running_run(kind)
    client.force_login(officer)
    html = client.get(PAGES[kind]).content.decode()
    assert '<progress max="10" value="3"' in html and "3 of 10 steps" in html
    assert 'aria-live="polite"' in html and "Running: 3 of 10 steps." in html
    assert f'data-url="/records/reports/{run.pk}/progress.json"' in html and "js/records.js" in html
    assert f'<a href="{PAGES[kind]}" data-refresh-link>Refresh</a>' in html  # without JavaScript
    assert "Run the report" not in html  # one run at a time
    assert 'http-equiv="refresh"' not in html and 'style="' not in html and "<script>" not in html
    run.state, run.done, run.total = "queued", 0, 0
    run.save()
    html = client.get(PAGES[kind]).content.decode()
    assert "Queued: waiting for a worker." in html and "<progress" in html


def test_the_progress_json(client, officer):
    run = running_run()
    client.force_login(officer)
    response = client.get(f"/records/reports/{run.pk}/progress.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data == {"id": run.pk, "kind": "inventory", "state": "running", "done": 3, "total": 10,
                    "text": "3 of 10 steps", "status": f"Run {run.pk}: Running: 3 of 10 steps.",
                    "finished_at": None}


def test_the_progress_json_is_for_records_officers_only(client, cast, officer):
    run = running_run()
    url = f"/records/reports/{run.pk}/progress.json"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    for user in (cast["plain"], cast["owner"], UserFactory(username="root", is_superuser=True, is_staff=True)):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(officer)
    assert client.get(f"/records/reports/{run.pk + 1000}/progress.json").status_code == 404


def test_a_run_whose_worker_went_quiet_is_shown_as_stopped_and_can_be_run_again(client, world, officer):
    quiet = timezone.now() - dt.timedelta(hours=1)
    old = running_run(heartbeat_at=quiet, started_at=quiet, requested_at=quiet)
    client.force_login(officer)
    html = client.get("/records/inventory/").content.decode()
    assert "stopped answering" in html and "Run the report" in html and "<progress" not in html
    assert client.get(f"/records/reports/{old.pk}/progress.json").json()["state"] == "stalled"
    assert post_run(client, "inventory").status_code == 302
    old.refresh_from_db()
    assert old.state == "failed" and "stopped answering" in old.error
    new = ReportRun.objects.exclude(pk=old.pk).get()
    assert new.state == "done"


def test_asking_again_while_a_run_is_under_way_does_not_start_a_second(client, officer):
    run = running_run()
    client.force_login(officer)
    response = post_run(client, "inventory")
    assert response.status_code == 302
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [run.pk]
    assert "already under way" in client.get("/records/inventory/").content.decode()


# --- failures ----------------------------------------------------------------------------------


def test_a_failed_run_shows_its_error_in_plain_words(client, world, officer, monkeypatch):
    done = run_report(officer, "due")

    def broken(**kwargs):
        raise ValueError(f"column {SECRET_TITLE} does not exist\nTraceback (most recent call last)")

    monkeypatch.setitem(reports.RUNNERS, "due", broken)
    client.force_login(officer)
    assert post_run(client, "due").status_code == 302
    failed = ReportRun.objects.exclude(pk=done.pk).get()
    assert failed.state == "failed" and failed.finished_at
    assert "unexpected error" in failed.error and str(failed.pk) in failed.error
    assert "Traceback" not in failed.error and SECRET_TITLE not in failed.error
    html = client.get("/records/due/").content.decode()
    assert 'role="alert"' in html and f"The last run ({failed.pk}," in html and "unexpected error" in html
    assert "Traceback" not in html and SECRET_TITLE not in html
    # The previous result stays on the page, and the report can be run again.
    assert f"run {done.pk} requested by officer" in html and "Run the report again" in html
    assert client.get(f"/records/reports/{failed.pk}/progress.json").json()["state"] == "failed"


def test_a_database_error_reads_as_such(world, officer, monkeypatch):
    from django.db import OperationalError

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setitem(reports.RUNNERS, "inventory", broken)
    run = run_report(officer, "inventory")
    assert run.state == "failed" and run.error.startswith("The database did not answer")


# --- delivered twice ---------------------------------------------------------------------------


def test_a_second_delivery_of_a_finished_run_changes_nothing(world, officer):
    run = run_report(officer, "inventory")
    before = ReportRun.objects.filter(pk=run.pk).values().get()
    with CaptureQueriesContext(connection) as ctx:
        assert tasks.run_report_task.delay(run.pk).get() == "done"
    # It reads the run under a lock, sees it finished, and writes nothing; no report query runs.
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [q for q in sql if q.startswith(("UPDATE", "INSERT", "DELETE"))], sql
    assert not [q for q in sql if "posts_post" in q], sql
    assert ReportRun.objects.filter(pk=run.pk).values().get() == before
    ReportRun.objects.filter(pk=run.pk).update(state="failed", error="x")
    assert tasks.run_report_task(run.pk) == "failed"
    assert tasks.run_report_task(run.pk + 1000) == "missing"


def test_a_run_another_worker_is_computing_is_left_to_it(world, officer):
    run = running_run()
    before = ReportRun.objects.filter(pk=run.pk).values().get()
    assert tasks.run_report_task(run.pk) == "busy"
    assert ReportRun.objects.filter(pk=run.pk).values().get() == before


def test_a_run_left_running_by_a_dead_worker_is_taken_over_when_redelivered(world, officer):
    quiet = timezone.now() - dt.timedelta(hours=1)
    run = running_run(heartbeat_at=quiet, started_at=quiet)
    assert tasks.run_report_task(run.pk) == "done"
    run.refresh_from_db()
    assert run.state == "done" and run.started_at > quiet and run.done == run.total
    assert run.result == {"rows": reports.json_safe(reports.inventory(now=run.as_of))}


def test_a_worker_that_lost_its_run_stops_writing(world, officer, monkeypatch):
    """Once the page marked a quiet run failed (and a new one started), the old worker's next step stops it."""
    run = ReportRun.objects.create(kind="inventory", requested_by=officer)
    real = reports.RUNNERS["inventory"]

    def slow(*, as_of, progress):
        ReportRun.objects.filter(pk=run.pk).update(state="failed", error="stopped")  # meanwhile, elsewhere
        return real(as_of=as_of, progress=progress)

    monkeypatch.setitem(reports.RUNNERS, "inventory", slow)
    assert tasks.run_report_task(run.pk) == "taken_over"
    run.refresh_from_db()
    assert run.state == "failed" and run.result == {} and run.error == "stopped"


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_exports_the_latest_finished_run_and_names_it(client, world, cast, officer):
    first = run_report(officer, "inventory")
    with zeal_ignore():
        PostFactory(community=Community.objects.get(slug="other"), classification="unclassified")
    client.force_login(officer)
    response = client.get("/records/inventory/?format=csv")
    rows = read_csv(response)
    assert f"records-inventory-run-{first.pk}-" in response["Content-Disposition"]
    assert sum(int(r[4]) for r in rows[1:]) == 6  # as computed then, not the post added since
    second = run_report(officer, "inventory")
    response = client.get("/records/inventory/?format=csv")
    assert sum(int(r[4]) for r in read_csv(response)[1:]) == 7
    assert f"records-inventory-run-{second.pk}-" in response["Content-Disposition"]
    # A failed or running newer run does not replace it.
    running_run()
    response = client.get("/records/inventory/?format=csv")
    assert f"run-{second.pk}-" in response["Content-Disposition"]


@pytest.mark.parametrize("kind", LONG_REPORTS)
def test_csv_before_any_run_says_so(client, officer, kind):
    client.force_login(officer)
    response = client.get(PAGES[kind] + "?format=csv")
    assert response.status_code == 404 and "not been computed yet" in response.content.decode()


def test_due_and_access_log_csv_come_from_their_runs(client, world, officer):
    runs = run_all_reports(officer)
    client.force_login(officer)
    response = client.get("/records/due/?format=csv")
    rows = read_csv(response)
    assert f"records-due-run-{runs['due'].pk}-" in response["Content-Disposition"]
    assert [r[1] for r in rows[1:3]] == ["post any destroy", "wiki any transfer"]
    response = client.get("/records/access-log/?format=csv")
    rows = read_csv(response)
    assert f"records-access-log-run-{runs['access_log'].pk}-" in response["Content-Disposition"]
    assert rows[0] == ["at", "user", "target_type", "target_id", "classification", "community", "via"]
    assert [r[1] for r in rows[1:]] == ["plain", "author"]


# --- who may run them --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LONG_REPORTS)
def test_only_records_officers_may_run_a_report(client, world, cast, kind):
    response = post_run(client, kind)
    assert response.status_code == 302 and "/login" in response["Location"]
    for user in (cast["plain"], cast["owner"], UserFactory(username="root", is_superuser=True, is_staff=True)):
        client.force_login(user)
        assert post_run(client, kind).status_code == 403
    assert not ReportRun.objects.exists()


def test_running_a_report_needs_a_post_with_a_csrf_token(world, officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.get("/records/reports/inventory/run/").status_code == 405
    assert post_run(client, "inventory").status_code == 403
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("kind", ["stale", "holds", "nothing"])
def test_short_reports_are_not_run_in_the_background(client, officer, kind):
    client.force_login(officer)
    assert post_run(client, kind).status_code == 404
    assert not ReportRun.objects.exists()


# --- metadata only, and speed ------------------------------------------------------------------


def test_no_title_or_body_in_any_run_page_csv_or_progress(client, world, officer):
    runs = run_all_reports(officer)
    client.force_login(officer)
    for kind, run in runs.items():
        stored = json.dumps(run.result)
        assert run.state == "done" and SECRET_TITLE not in stored and SECRET_BODY not in stored, kind
        for path in (PAGES[kind], PAGES[kind] + "?format=csv", f"/records/reports/{run.pk}/progress.json",
                     "/records/"):
            text = client.get(path).content.decode()
            assert SECRET_TITLE not in text and SECRET_BODY not in text, path


def _grow(n, content_type):
    with zeal_ignore():
        users = [UserFactory() for _ in range(2)]
        for _i in range(n):
            c = CommunityFactory()
            PostFactory(community=c, title=SECRET_TITLE, classification="confidential")
            AccessLog.objects.create(user=users[_i % 2], target_type="post", target_id=_i + 1, community=c,
                                     classification="strictly_confidential")
        schedule(content_type, classification="confidential", retain_days=10 + n, name=f"s{n}")


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", [*PAGES.values(), "/records/"])
def test_report_page_query_counts_do_not_grow_with_the_data(client, officer, path, django_assert_max_num_queries):
    client.force_login(officer)
    _grow(3, "post")
    run_all_reports(officer)
    few = _queries(client, path)
    _grow(40, "wiki")
    running_run()  # a run under way adds nothing either
    run_all_reports(officer)
    ReportRun.objects.filter(state="running").delete()
    run_all_reports(officer)
    with django_assert_max_num_queries(few):
        assert client.get(path).status_code == 200
    assert few <= 12


def test_the_admin_lists_report_runs_read_only(client, world, officer):
    # A system manager who is a records officer sees his own runs; another officer's run (its
    # progress counts items of every community) is not listed to him (SPEC §2.2: counts of
    # invisible items are invisible).
    others = run_report(officer, "inventory")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    root.groups.add(*officer.groups.all())
    run = run_report(root, "inventory")
    client.force_login(root)
    html = client.get("/admin/records/reportrun/").content.decode()
    assert "Inventory" in html and f"{run.done}/{run.total}" in html
    assert f"/admin/records/reportrun/{others.pk}/change/" not in html
    assert client.get("/admin/records/reportrun/add/").status_code == 403
    detail = client.get(f"/admin/records/reportrun/{run.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.post(f"/admin/records/reportrun/{run.pk}/delete/").status_code == 403
