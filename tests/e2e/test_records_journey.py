"""A disposition batch's whole life in a real browser, as the people would live it (SPEC §4).

Three old posts are seeded. Rosa, a records officer, creates the retention
schedule on /records/schedules/ and presses "Gather now". The community's owner
signs in, opens the confirmation page from her notification, withholds one post
with a reason and confirms the others; Ravi, a second records officer, opens the
batch, reviews the approval page and approves by retyping the batch number
(Celery is eager in the test settings: the batch runs in the server's process
when the approval commits, and the posts go to quarantine); Rosa restores one
post from /records/quarantine/; the purge runs (as the beat would, after the restore window); the certificate page
lists what was destroyed and what was skipped, and downloads as CSV with a BOM.
axe-core checks every page, and each is shot at 1280 and 390 px (no sideways scroll). Only
Playwright's auto-waiting ``expect`` is used.
"""
import csv
import datetime as dt
import hashlib
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect
from zeal import zeal_ignore

from communities.models import Role
from posts import services as post_services
from posts.models import Post
from records import quarantine
from records.models import DispositionBatch, RetentionSchedule
from tests.browser import ensure_current_terms, sign_in
from tests.factories import CommunityFactory, UserFactory, add_member
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
    UserFactory(username="ravi", first_name="Ravi", last_name="Records").groups.add(group)
    owner = UserFactory(username="olena")
    community = CommunityFactory(name="Old projects", slug="old-projects", visibility="open")
    add_member(community, owner, Role.OWNER)
    posts = {}
    for key, title in (("purged", "Minutes of 2014"), ("withheld", "Lease of 2014"), ("restored", "Plan of 2014")):
        posts[key], _w = post_services.post_create(
            actor=owner, community=community, title=title, body="Nothing left to do.",
            body_format="markdown", classification="unclassified",
        )
    long_ago = timezone.now() - dt.timedelta(days=4000)
    Post.objects.filter(pk__in=[p.pk for p in posts.values()]).update(updated_at=long_ago, created_at=long_ago)
    return {"officer": officer, "posts": posts, "community": community}


def test_a_batch_is_scheduled_gathered_confirmed_approved_restored_purged_and_certified(
    site, page, check_a11y, shoot, tmp_path
):
    posts = site["posts"]

    # --- Rosa creates the retention schedule in the browser and gathers now
    sign_in(page, "rosa", "/records/schedules/new/")
    expect(page).to_have_url(re.compile(r"/records/schedules/new/$"))
    check_a11y(page, "new schedule form")
    shoot(page, "records-schedule-form")
    page.get_by_label("Name").fill("Posts after ten years")
    page.get_by_label("Content type").select_option("post")
    page.get_by_label("Retain (days after last activity)").fill("3650")
    page.get_by_label("Disposition").select_option("destroy")
    page.get_by_label("Authority").fill("ST/SGB/2007/5, schedule 4.2")
    page.get_by_label("Justification").fill("Project minutes have no value after ten years.")
    page.get_by_label("Restore window (days)").fill("30")
    page.get_by_role("button", name="Create the schedule").click()
    expect(page.get_by_text("Schedule “Posts after ten years” created.")).to_be_visible()
    check_a11y(page, "schedules list")
    shoot(page, "records-schedules")
    page.get_by_role("button", name="Gather now").first.click()
    expect(page.get_by_text("Gathered 3 due items into 1 new batch, waiting for review.")).to_be_visible()
    batch = DispositionBatch.objects.get()
    assert RetentionSchedule.objects.get().history.count() == 1  # its history starts with its creation

    # --- the owner, told at gathering, follows her notification, withholds one post and confirms
    confirm_url = f"/records/batches/{batch.pk}/confirm/old-projects/"
    sign_in(page, "olena", "/notifications/")
    check_a11y(page, "owner's notifications")
    shoot(page, "records-owner-notifications")
    page.get_by_role("link", name=re.compile(rf"Disposition batch {batch.pk} has items of old-projects")).click()
    expect(page).to_have_url(re.compile(rf"{confirm_url}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Disposition batch {batch.pk}")
    rows = page.locator("table.records-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("Lease of 2014")).to_be_visible()  # titles as the owner may see them
    check_a11y(page, "office of record's confirmation page")
    shoot(page, "records-batch-confirm")
    withheld = rows.filter(has_text="Lease of 2014")
    withheld.get_by_label("Withhold", exact=True).check()
    withheld.get_by_label(re.compile("Reason for withholding")).fill("The lease is still running")
    page.get_by_role("button", name="Confirm these items").click()
    expect(page.get_by_text(f"You confirmed the items of old-projects in batch {batch.pk}.")).to_be_visible()
    expect(page.locator("table.records-table tbody tr")).to_have_count(2)

    # --- Ravi, a second records officer, reviews and approves, retyping the batch number
    sign_in(page, "ravi", f"/records/batches/{batch.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Disposition batch {batch.pk}")
    expect(page.get_by_text("confirmed by olena")).to_be_visible()
    check_a11y(page, "batch page, confirmed")
    shoot(page, "records-batch-confirmed")
    page.get_by_role("link", name="Review and approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Approve disposition batch {batch.pk}")
    check_a11y(page, "approval page")
    shoot(page, "records-batch-approve")
    page.get_by_label(f"Type the batch number ({batch.pk}) to approve it").fill(str(batch.pk + 1))
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_be_visible()  # a wrong number approves nothing
    batch.refresh_from_db()
    assert batch.approved_by_id is None and batch.state == DispositionBatch.State.CONFIRMED
    page.get_by_label(f"Type the batch number ({batch.pk}) to approve it").fill(str(batch.pk))
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Batch {batch.pk} approved and run.")).to_be_visible()  # no broker: it ran in process
    expect(page.locator("[data-batch-status]")).to_contain_text("2 of 2 done")
    check_a11y(page, "batch page, run")
    shoot(page, "records-batch-run")

    # --- the quarantine: invisible to everyone, restorable by an officer (Rosa)
    assert not Post.objects.visible_to(posts["purged"].author).filter(pk=posts["purged"].pk).exists()
    sign_in(page, "rosa", "/records/quarantine/")
    expect(page.locator("table.records-table tbody tr")).to_have_count(2)
    check_a11y(page, "quarantine")
    shoot(page, "records-quarantine")
    page.get_by_role("button", name=f"Restore Post {posts['restored'].pk}").click()
    expect(page.get_by_text(f"post {posts['restored'].pk} restored from quarantine.")).to_be_visible()
    expect(page.locator("table.records-table tbody tr")).to_have_count(1)

    # --- the purge after the restore window (the hourly beat's job)
    assert quarantine.purge_due(now=timezone.now() + dt.timedelta(days=31))["purged"] == 1

    # --- the certificate, on the page and as CSV
    page.goto(f"/records/batches/{batch.pk}/certificate/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Disposition certificate — batch {batch.pk}")
    cert_rows = page.locator("table.records-table tbody tr")
    expect(cert_rows).to_have_count(2)
    expect(cert_rows.filter(has_text="destroyed")).to_contain_text(str(posts["purged"].pk))
    expect(cert_rows.filter(has_text="skipped")).to_contain_text("Restored from quarantine by rosa")
    check_a11y(page, "certificate")
    shoot(page, "records-certificate")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the certificate as CSV").click()
    download = info.value
    assert download.suggested_filename == f"disposition-certificate-{batch.pk}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets (SPEC §4)
    batch.refresh_from_db()
    assert hashlib.sha256(data).hexdigest() == batch.certificate.sha256  # the stored certificate
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = {r["target_id"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {str(posts["purged"].pk), str(posts["restored"].pk)}
    purged = rows[str(posts["purged"].pk)]
    assert (purged["method"], purged["community_slug"], purged["schedule"]) == (
        "destroyed", "old-projects", "Posts after ten years")
    assert (purged["confirmed_by"], purged["approved_by"]) == ("olena", "ravi")

    # --- the purged post is gone; the withheld and the restored ones are back in their community
    assert not Post.objects.filter(pk=posts["purged"].pk).exists()
    assert set(Post.objects.filter(status="published").values_list("pk", flat=True)) == {
        posts["withheld"].pk, posts["restored"].pk}
    assert not page.js_errors, page.js_errors
