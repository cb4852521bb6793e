"""Every CSV the project serves goes through one writer (unisocial/csv_export.py; SPEC §4): text
cells a spreadsheet would run as a formula are neutralised with a leading ``'`` (OWASP), numbers
stay numbers, and the file is UTF-8 with a byte-order mark (SPEC §4). The defect it guards: a community named
``=HYPERLINK(…)`` became a live link in the records officers' spreadsheets."""
import csv
import hashlib
import io

import pytest
from django.utils import timezone

from communities.models import Community
from posts.models.access_log import AccessLog
from records import disposition
from records.models import DispositionBatch, Hold, RetentionSchedule, StalenessReview
from unisocial.csv_export import BOM, cell, csv_bytes

from .conftest import confirm_all, make_post, run_and_purge
from .report_helpers import run_all_reports
from .test_declassification import old_post

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1", "\r=1", "  =1"])
def test_text_cells_that_a_spreadsheet_would_run_are_prefixed_with_a_quote(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, -2.5, 0, 42])
def test_numbers_written_as_numbers_are_not_text_cells_and_stay_numbers(value):
    # A number is a number: "-3" from the int -3 is not a formula. A text "-3" is neutralised.
    assert cell(value) == str(value)
    assert cell(str(-3)) == "'-3"


def test_plain_text_and_empty_cells_are_unchanged():
    assert cell("Genève office") == "Genève office" and cell(None) == "" and cell("a=b") == "a=b"


def test_csv_is_utf8_with_a_byte_order_mark_and_reads_back():
    data = csv_bytes(["name"], [["Genève"], [FORMULA]])
    assert data.startswith(BOM.encode()) and data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["name"], ["Genève"], ["'" + FORMULA]]


@pytest.fixture
def hostile(community, cast, officer):
    """A world whose every free-text field a CSV shows begins like a formula: the community's name,
    the schedule's name, a hold's reason; with items due, a finished batch and its certificate, a
    staleness review, an access-log row and an item listed for declassification."""
    Community.objects.filter(pk=community.pk).update(name=FORMULA, slug="-audit")
    community.refresh_from_db()
    post = make_post(community, cast["author"], level="strictly_confidential")
    make_post(community, cast["author"])
    old_post(community, cast["author"])
    RetentionSchedule.objects.create(name=FORMULA, content_type="post", retain_days=30, disposition="destroy")
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()
    confirm_all(batch)
    disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))
    run_and_purge(batch.pk)
    batch.refresh_from_db()
    assert batch.certificate.rows
    Hold.objects.create(target_type="community", target_id=community.pk, community_id=community.pk,
                        reason="@SUM(1+1)", placed_by=officer)
    now = timezone.now()
    StalenessReview.objects.create(community=community, last_activity_at=now, flagged_at=now, grace_until=now)
    AccessLog.objects.create(user=cast["author"], target_type="post", target_id=post.pk, community=community,
                             classification="strictly_confidential")
    run_all_reports(officer)
    return batch


def exports(batch):
    return [
        "/records/inventory/?format=csv", "/records/stale/?format=csv", "/records/due/?format=csv",
        "/records/holds/?format=csv", "/records/batches/?format=csv", "/records/access-log/?format=csv",
        f"/records/batches/{batch.pk}/?format=csv", f"/records/batches/{batch.pk}/certificate/?format=csv",
        f"/records/batches/{batch.pk}/certificate.csv", "/records/declassification/?format=csv",
        f"/api/v1/records/batches/{batch.pk}/certificate/?format=csv",
    ]


def rows_of(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_no_csv_export_has_a_cell_a_spreadsheet_would_run_as_a_formula(client, hostile, officer):
    client.force_login(officer)
    seen = set()
    for url in exports(hostile):
        for row in rows_of(client.get(url))[1:]:
            for value in row:
                assert not value.startswith(FORMULA_STARTS) or is_number(value), (url, value)
                seen.add(value)
    # The hostile values are there, shown as text.
    assert {"'" + FORMULA, "'-audit", "'@SUM(1+1)"} <= seen


def test_the_certificate_csv_is_the_same_bytes_on_the_page_and_in_the_api(client, hostile, officer):
    client.force_login(officer)
    page = client.get(f"/records/batches/{hostile.pk}/certificate.csv").content
    api = client.get(f"/api/v1/records/batches/{hostile.pk}/certificate/?format=csv").content
    assert page == api == disposition.certificate_csv(hostile)
    # Canonical: what a checksum is computed over is what is served, neutralised cells included.
    assert hashlib.sha256(page).hexdigest() == hashlib.sha256(disposition.certificate_csv(hostile)).hexdigest()
    assert b"'" + FORMULA.replace('"', '""').encode() in page
