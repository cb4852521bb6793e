"""A records officer's disposition round in a real browser (SPEC §4).

A schedule and an old post are seeded and gathered into a batch with the
records services; the officer signs in, opens /records/batches/, opens the
batch, approves it (Celery is eager in the test settings: the batch runs in
the server's process when the approval commits), reads the certificate and
downloads it as CSV, which lists the post. axe-core checks /records/ and the
batch page. Only Playwright's auto-waiting ``expect`` is used: no sleeps.
"""
import csv
import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from posts import services as post_services
from posts.models import Post
from records import disposition
from records.models import DispositionBatch, RetentionSchedule
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        return _site()


def _site():
    """Committed data: the live server reads it from another thread."""
    ensure_current_terms()
    officer = UserFactory(username="rosa", first_name="Rosa", last_name="Records")
    group, _ = Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)  # a flush removes the migration's row
    officer.groups.add(group)
    owner = UserFactory(username="olena")
    community = CommunityFactory(name="Old projects", slug="old-projects", visibility="open")
    add_member(community, owner, Role.OWNER)
    post, _w = post_services.post_create(
        actor=owner, community=community, title="Minutes of 2014", body="Nothing left to do.",
        body_format="markdown", classification="unclassified",
    )
    long_ago = timezone.now() - dt.timedelta(days=4000)
    Post.objects.filter(pk=post.pk).update(updated_at=long_ago, created_at=long_ago)
    RetentionSchedule.objects.create(
        name="Posts after ten years", content_type="post", classification=None, retain_days=3650,
        disposition="destroy",
    )
    assert disposition.gather_due() == {"batches": 1, "items": 1}
    batch = DispositionBatch.objects.get()
    return {"officer": officer, "post": post, "batch": batch, "community": community}


def test_a_records_officer_approves_a_batch_and_downloads_its_certificate(site, page, check_a11y, tmp_path):
    batch, post = site["batch"], site["post"]

    # --- sign in and open the records dashboard
    page.goto("/accounts/login/?next=/records/")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/records/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_a11y(page, "records dashboard")

    # --- the batches: the gathered one waits for approval
    page.goto("/records/batches/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Disposition batches")
    row = page.locator("table.records-table tbody tr").filter(has_text="Posts after ten years")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Waiting for approval")
    row.get_by_role("link", name=f"Batch {batch.pk}").click()

    # --- the batch page: the post, then approval (the batch runs when the approval commits)
    expect(page).to_have_url(re.compile(rf"/records/batches/{batch.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Disposition batch {batch.pk}")
    items = page.locator("table.records-table tbody tr")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(str(post.pk))
    expect(items.first).to_contain_text("old-projects")
    check_a11y(page, "batch page")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Batch {batch.pk} approved: it will run shortly.")).to_be_visible()
    expect(page.locator("[data-batch-status]")).to_contain_text("1 of 1 done (1 disposed of, 0 skipped)")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    check_a11y(page, "batch page, approved")

    # --- the certificate, on the page and as CSV
    page.get_by_role("link", name="Certificate", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Disposition certificate — batch {batch.pk}")
    cert_row = page.locator("table.records-table tbody tr")
    expect(cert_row).to_have_count(1)
    expect(cert_row.first).to_contain_text(str(post.pk))
    expect(cert_row.first).to_contain_text("rosa")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the certificate as CSV").click()
    download = info.value
    assert download.suggested_filename == f"disposition-certificate-{batch.pk}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets (SPEC §4)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1, rows
    assert rows[0]["target_type"] == "post"
    assert rows[0]["target_id"] == str(post.pk)
    assert rows[0]["community_slug"] == "old-projects"
    assert rows[0]["schedule_name"] == "Posts after ten years"
    assert rows[0]["disposition"] == "destroy"
    assert rows[0]["approved_by_username"] == "rosa"

    # --- and the post is gone
    assert not Post.objects.filter(pk=post.pk).exists()
    batch.refresh_from_db()
    assert batch.state == DispositionBatch.State.COMPLETED
    assert not page.js_errors, page.js_errors
