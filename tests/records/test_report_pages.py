"""The records officers' report pages at /records/ (SPEC §4 reports): officers only, metadata only."""
import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_ignore

from communities.models import Community
from posts.models import Post
from posts.models.access_log import AccessLog
from records import disposition, quarantine
from records.models import BatchItem, DispositionBatch, DispositionRecord, Hold
from tests.factories import CommunityFactory, PostFactory, UserFactory

from .conftest import after_restore_window, confirm_all, make_post, make_wiki, schedule
from .report_helpers import run_all_reports, run_report

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Quetzalcoatlbudget"
SECRET_BODY = "Secret body"

PAGES = ["/records/", "/records/inventory/", "/records/stale/", "/records/due/", "/records/holds/",
         "/records/batches/", "/records/access-log/"]
CSV_PAGES = ["/records/inventory/", "/records/stale/", "/records/due/", "/records/holds/", "/records/batches/",
             "/records/access-log/"]


@pytest.fixture
def seeded(community, cast, officer):
    """Old posts with a distinctive title, a schedule, a batch, a hold and an access log row; the long
    reports (inventory, due, access log) run once in Celery, as a records officer's button does."""
    posts = [make_post(community, cast["author"], title=f"{SECRET_TITLE} {n}", level=level)
             for n, level in enumerate(["unclassified", "confidential", "strictly_confidential"])]
    make_wiki(community, cast["author"], title=f"{SECRET_TITLE} wiki")
    schedule("post", retain_days=30)
    schedule("wiki", retain_days=30, disposition="transfer")
    disposition.gather_due(now=timezone.now())
    AccessLog.objects.create(user=cast["author"], target_type="post", target_id=posts[2].pk, community=community,
                             classification="strictly_confidential")
    Hold.objects.create(target_type="community", target_id=community.pk, community_id=community.pk,
                        reason="Audit request", placed_by=officer)
    run_all_reports(officer)
    return posts


def batch_pages():
    pks = DispositionBatch.objects.values_list("pk", flat=True)
    return [f"/records/batches/{pk}/" for pk in pks] + [f"/records/batches/{pk}/certificate/" for pk in pks]


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark (SPEC §4)"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- who may see them --------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who", ["plain", "owner", "superuser"])
def test_everyone_but_records_officers_gets_403(client, seeded, cast, who):
    user = UserFactory(username="root", is_superuser=True, is_staff=True) if who == "superuser" else cast[who]
    client.force_login(user)
    batch = DispositionBatch.objects.first()
    for path in [*PAGES, *batch_pages(), f"/records/batches/{batch.pk}/certificate.csv",
                 "/records/inventory/?format=csv"]:
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("who", ["plain", "superuser"])
def test_others_cannot_approve_place_or_release(client, seeded, cast, officer, who):
    user = UserFactory(username="root", is_superuser=True, is_staff=True) if who == "superuser" else cast[who]
    client.force_login(user)
    batch = DispositionBatch.objects.first()
    hold = Hold.objects.get()
    assert client.post(f"/records/batches/{batch.pk}/approve/").status_code == 403
    assert client.post("/records/holds/", {"target_type": "post", "target_id": seeded[0].pk, "reason": "x",
                                           "category": "other"}).status_code == 403
    assert client.post(f"/records/holds/{hold.pk}/release/").status_code == 403
    batch.refresh_from_db()
    hold.refresh_from_db()
    assert batch.state == "pending" and batch.approved_by is None
    assert hold.is_active and Hold.objects.count() == 1


@pytest.mark.parametrize("path", PAGES)
def test_records_officers_see_every_page_and_no_title_or_body(client, seeded, officer, path):
    client.force_login(officer)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET_TITLE not in html and SECRET_BODY not in html
    assert 'style="' not in html and "<script>" not in html  # CSP: no inline style or script


def test_batch_item_and_certificate_pages_show_no_title_or_body(client, seeded, officer):
    client.force_login(officer)
    pages = batch_pages()
    assert len(pages) == 4
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert SECRET_TITLE not in html and SECRET_BODY not in html


# --- CSV exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CSV_PAGES)
def test_every_report_exports_csv_with_a_header_and_rows_and_no_title(client, seeded, officer, path):
    client.force_login(officer)
    response = client.get(path + "?format=csv")
    rows = read_csv(response)
    assert "attachment" in response["Content-Disposition"]
    assert len(rows) >= 2 if path != "/records/stale/" else len(rows) >= 1
    assert SECRET_TITLE not in response.content.decode() and SECRET_BODY not in response.content.decode()


def test_inventory_csv_gives_levels_as_text(client, seeded, officer):
    client.force_login(officer)
    rows = read_csv(client.get("/records/inventory/?format=csv"))
    assert rows[0] == ["community", "type", "classification", "age", "count"]
    levels = {r[2] for r in rows[1:]}
    assert {"Unclassified", "Confidential", "Strictly Confidential"} <= levels
    assert sum(int(r[4]) for r in rows[1:]) == 4


def test_access_log_csv_lists_who_viewed_what(client, seeded, officer, cast):
    client.force_login(officer)
    rows = read_csv(client.get("/records/access-log/?format=csv"))
    assert rows[0] == ["at", "user", "target_type", "target_id", "classification", "community", "via"]
    assert rows[1][1:] == ["author", "post", str(seeded[2].pk), "Strictly Confidential", "audit", "web"]


def test_batch_items_csv_is_metadata_only(client, seeded, officer):
    client.force_login(officer)
    batch = DispositionBatch.objects.get(schedule__content_type="post")
    rows = read_csv(client.get(f"/records/batches/{batch.pk}/?format=csv"))
    assert rows[0] == ["type", "id", "classification", "community", "last_activity_at", "state", "reason",
                       "processed_at"]
    assert sorted(int(r[1]) for r in rows[1:]) == sorted(p.pk for p in seeded)


# --- charts ------------------------------------------------------------------------------------


def test_inventory_has_an_svg_chart_with_a_title_and_a_table(client, seeded, officer):
    client.force_login(officer)
    html = client.get("/records/inventory/").content.decode()
    assert "<svg" in html and "<title" in html and "<rect" in html
    assert "Items by age and classification level" in html
    assert html.count("<table") >= 2  # the chart's figures as text, and the full inventory


def test_due_has_a_forecast_chart_by_month(client, community, cast, officer):
    # Due 40 days from now whatever today is: always in a later month than this one (the forecast's
    # first month), so the test does not depend on the date it runs (it failed on 1 December).
    post = make_post(community, cast["author"], old=False)
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timezone.timedelta(days=20))
    schedule("post", retain_days=60)
    run_report(officer, "due")
    client.force_login(officer)
    response = client.get("/records/due/")
    html = response.content.decode()
    due_month = f"{Post.objects.get(pk=post.pk).updated_at + timezone.timedelta(days=60):%Y-%m}"
    assert response.context["data"]["forecast"] == [{"month": due_month, "count": 1}]
    assert "<svg" in html and "<title" in html and "Items falling due each month" in html
    rows = read_csv(client.get("/records/due/?format=csv"))
    assert rows[0][0] == "schedule" and any(r[0] == "forecast" for r in rows)


# --- actions -----------------------------------------------------------------------------------


def test_confirm_then_approve_from_the_pages(client, seeded, cast, officer, django_capture_on_commit_callbacks):
    batch = DispositionBatch.objects.get(schedule__content_type="post")
    client.force_login(officer)
    page = client.get(f"/records/batches/{batch.pk}/").content.decode()
    assert f'href="/records/batches/{batch.pk}/approve/"' not in page and "<progress" in page  # not confirmed
    assert 'aria-live="polite"' in page and "js/records.js" in page
    assert f'/records/batches/{batch.pk}/confirm/audit/' in page
    # The approval page refuses while the office of record has not confirmed.
    response = client.post(f"/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)})
    assert response.status_code == 400 and "waiting for: audit" in response.content.decode()

    # The owner confirms on their page, which lists the items with the titles they may see.
    client.force_login(cast["owner"])
    page = client.get(f"/records/batches/{batch.pk}/confirm/audit/").content.decode()
    assert SECRET_TITLE in page
    response = client.post(f"/records/batches/{batch.pk}/confirm/audit/", {})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "confirmed"

    client.force_login(officer)
    page = client.get(f"/records/batches/{batch.pk}/approve/").content.decode()
    assert f"Type the batch number ({batch.pk})" in page and "audit" in page
    response = client.post(f"/records/batches/{batch.pk}/approve/", {"confirm": "12345"})
    assert response.status_code == 400 and batch.state == "confirmed"
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "approved" and batch.approved_by == officer
    # Approving twice is refused with a message, not an error page.
    response = client.post(f"/records/batches/{batch.pk}/approve/", {"confirm": str(batch.pk)})
    assert response.status_code == 400 and "already approved" in response.content.decode()


def test_certificate_page_and_csv_list_every_disposed_item(client, community, cast, officer):
    posts = [make_post(community, cast["author"], title=f"{SECRET_TITLE} {n}") for n in range(2)]
    schedule("post", retain_days=30)
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    confirm_all(batch)
    disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))
    client.force_login(officer)
    disposition.run_batch(batch.pk)
    assert "not been issued yet" in client.get(f"/records/batches/{batch.pk}/certificate/").content.decode()
    assert client.get(f"/records/batches/{batch.pk}/certificate.csv").status_code == 404
    quarantine.purge_due(now=after_restore_window())
    assert DispositionRecord.objects.filter(batch=batch).count() == 2
    client.force_login(officer)
    html = client.get(f"/records/batches/{batch.pk}/certificate/").content.decode()
    for post in posts:
        assert f"<td>{post.pk}</td>" in html
    assert "officer" in html and SECRET_TITLE not in html
    response = client.get(f"/records/batches/{batch.pk}/certificate.csv")
    rows = read_csv(response)
    assert rows[0] == disposition.CERTIFICATE_FIELDS
    assert sorted(int(r[1]) for r in rows[1:]) == sorted(p.pk for p in posts)
    # The canonical certificate CSV holds levels as stored (a translated label would change its bytes).
    assert {r[2] for r in rows[1:]} == {"confidential"} and {r[11] for r in rows[1:]} == {"officer"}
    assert {r[10] for r in rows[1:]} == {"owner"} and {r[6] for r in rows[1:]} == {"destroyed"}
    assert f'certificate-{batch.pk}.csv' in response["Content-Disposition"]
    assert read_csv(client.get(f"/records/batches/{batch.pk}/certificate/?format=csv")) == rows
    batches = client.get("/records/batches/").content.decode()
    assert '<progress max="2" value="2"' in batches and "2 of 2 done" in batches


def test_place_and_release_a_hold_from_the_page(client, community, cast, officer):
    post = make_post(community, cast["author"], title=SECRET_TITLE)
    client.force_login(officer)
    response = client.post("/records/holds/", {"target_type": "post", "target_id": str(post.pk),
                                               "category": "legal_request", "reason": "Subpoena 12"})
    assert response.status_code == 302
    hold = Hold.objects.get()
    assert (hold.target_type, hold.target_id, hold.placed_by) == ("post", post.pk, officer)
    html = client.get("/records/holds/").content.decode()
    assert "Subpoena 12" in html and SECRET_TITLE not in html
    response = client.post(f"/records/holds/{hold.pk}/release/", {"note": "Closed"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert not hold.is_active and hold.released_by == officer and hold.release_note == "Closed"


def test_a_bad_hold_is_refused_with_the_form_errors(client, community, officer):
    client.force_login(officer)
    response = client.post("/records/holds/", {"target_type": "post", "target_id": "999999", "category": "other",
                                               "reason": "x"})
    assert response.status_code == 400 and "no such item" in response.content.decode()
    response = client.post("/records/holds/", {"target_type": "post", "target_id": "1", "category": "other",
                                               "reason": ""})
    assert response.status_code == 400
    assert not Hold.objects.exists()


# --- constant query counts ---------------------------------------------------------------------


def count_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def _inventory_rows(n, start):
    with zeal_ignore():
        for i in range(start, start + n):
            PostFactory(community=CommunityFactory(slug=f"c{i}", name=f"C {i}"), title=f"{SECRET_TITLE} {i}")


def _batches(n, officer):
    sched = schedule("post", retain_days=30) if not DispositionBatch.objects.exists() else \
        DispositionBatch.objects.first().schedule
    now = timezone.now()
    DispositionBatch.objects.bulk_create([
        DispositionBatch(schedule=sched, as_of=now, state="approved", approved_by=officer, approved_at=now, total=4,
                         done=i % 4) for i in range(n)
    ])


def _items(n, officer):
    if not DispositionBatch.objects.exists():
        _batches(1, officer)
    batch = DispositionBatch.objects.first()
    communities = [CommunityFactory(slug=f"i{BatchItem.objects.count()}-{i}") for i in range(3)]
    start = BatchItem.objects.count()
    BatchItem.objects.bulk_create([
        BatchItem(batch=batch, target_type="post", target_id=start + i + 1, classification="confidential",
                  community_id=communities[i % 3].pk, last_activity_at=timezone.now())
        for i in range(n)
    ])
    return f"/records/batches/{batch.pk}/"


def _access(n, officer):
    with zeal_ignore():
        community = Community.objects.first() or CommunityFactory()
        users = [UserFactory() for _ in range(3)]
    AccessLog.objects.bulk_create([
        AccessLog(user=users[i % 3], target_type="post", target_id=i + 1, community=community,
                  classification="strictly_confidential") for i in range(n)
    ])


def _holds(n, officer):
    with zeal_ignore():
        communities = [CommunityFactory() for _ in range(3)]
    Hold.objects.bulk_create([
        Hold(target_type="community", target_id=communities[i % 3].pk, community_id=communities[i % 3].pk,
             reason="r", placed_by=officer, released_by=officer if i % 2 else None,
             released_at=timezone.now() if i % 2 else None)
        for i in range(n)
    ])


@pytest.mark.parametrize("kind", ["inventory", "batches", "items", "access", "holds"])
def test_query_counts_do_not_grow_with_rows(client, officer, django_assert_max_num_queries, kind):
    client.force_login(officer)

    def seed(n):
        if kind == "inventory":
            _inventory_rows(n, Post.objects.count())
            run_report(officer, "inventory")  # the page shows the latest run: a bigger one each time
            return "/records/inventory/"
        if kind == "batches":
            _batches(n, officer)
            return "/records/batches/"
        if kind == "items":
            return _items(n, officer)
        if kind == "access":
            _access(n, officer)
            run_report(officer, "access_log")
            return "/records/access-log/"
        _holds(n, officer)
        return "/records/holds/"

    path = seed(5)
    few = count_queries(client, path)
    path = seed(45)
    with django_assert_max_num_queries(few):
        response = client.get(path)
    assert response.status_code == 200
    assert few <= 15


def test_the_inventory_counts_its_items_in_words_that_agree(client, community, cast, officer):
    make_post(community, cast["author"])
    run_report(officer, "inventory")
    client.force_login(officer)
    html = client.get("/records/inventory/").content.decode()
    assert "1 item (posts and wiki pages)" in html and "1 items" not in html
