"""A records officer runs a long report and watches its progress in a real browser (SPEC §4:
"long jobs (reports …) run in Celery and show progress in the page").

The inventory is run from its page (Celery is eager in the test settings: the
run is computed when the request commits, and the page shows its result). A due
report run under way is seeded, and ``records.js`` is seen following it: the
<progress> bar and the aria-live status move as the run's row moves, and the page
reloads with the result when the run is done. axe-core checks both pages.
"""
import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect
from zeal import zeal_ignore

from posts.models import Post
from records import report_runs
from records.models import ReportRun, RetentionSchedule
from tests.browser import ensure_current_terms
from tests.factories import PASSWORD, CommunityFactory, PostFactory, UserFactory
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(fresh_caches):
    with zeal_ignore():  # setting up is not what is under test
        ensure_current_terms()
        officer = UserFactory(username="rosa")
        group, _ = Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)
        officer.groups.add(group)
        community = CommunityFactory(name="Old projects", slug="old-projects")
        post = PostFactory(community=community, title="Minutes of 2014", classification="confidential")
        long_ago = timezone.now() - dt.timedelta(days=4000)
        Post.objects.filter(pk=post.pk).update(updated_at=long_ago, created_at=long_ago)
        RetentionSchedule.objects.create(name="Posts after ten years", content_type="post", retain_days=3650,
                                         disposition="destroy")
    return {"officer": officer}


def log_in(page, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_a_records_officer_runs_the_inventory_and_follows_a_due_report_run(site, page, check_a11y, shoot):
    log_in(page, "/records/inventory/")
    expect(page.get_by_text("This report has not been computed yet.")).to_be_visible()
    page.get_by_role("button", name="Run the report").click()
    expect(page.get_by_text(re.compile(r"Report run \d+ requested"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Computed at .* requested by rosa\."))).to_be_visible()
    row = page.locator("table.records-table tbody tr").filter(has_text="old-projects")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("7-20y")
    expect(page.get_by_role("button", name="Run the report again")).to_be_visible()
    expect(page.get_by_text("Minutes of 2014")).to_have_count(0)  # metadata only
    check_a11y(page, "inventory report")
    shoot(page, "records-inventory")

    # --- a due report run under way: the page follows it without a reload
    now = timezone.now()
    run = ReportRun.objects.create(kind="due", state="running", requested_by=site["officer"], started_at=now,
                                   heartbeat_at=now, done=1, total=4)
    page.goto("/records/due/")
    status = page.locator("[data-report-status]")
    expect(status).to_have_text(f"Run {run.pk}: Running: 1 of 4 steps.")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "1")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Run the report"))).to_have_count(0)
    check_a11y(page, "due report, running")
    shoot(page, "records-due")
    ReportRun.objects.filter(pk=run.pk).update(done=3, heartbeat_at=timezone.now())
    expect(status).to_have_text(f"Run {run.pk}: Running: 3 of 4 steps.")
    expect(page.locator(".records-progress__text")).to_have_text("3 of 4 steps")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "3")

    # --- the worker finishes: the page reloads with the result
    ReportRun.objects.filter(pk=run.pk).update(state="queued")  # hand it to a worker: here, this thread
    assert report_runs.run_report(run.pk) == "done"
    expect(page.get_by_text(re.compile(rf"Computed at .* run {run.pk} requested by rosa\."))).to_be_visible()
    due_row = page.locator("table.records-table tbody tr").filter(has_text="Posts after ten years")
    expect(due_row).to_contain_text("1")
    expect(page.locator("[data-report-progress]")).to_have_count(0)
    assert not page.js_errors, page.js_errors
