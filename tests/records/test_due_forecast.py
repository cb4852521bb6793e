"""The due-for-disposition forecast (SPEC §4 reports): each item's due date is its last activity plus
its schedule's retention, and the forecast counts it in the month of that date. A fixed clock: the
answer must not depend on the day the suite runs."""
import datetime as dt

import pytest

from posts.models import Post
from records import reports

from .conftest import make_post, schedule

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def last_active(post, when):
    Post.objects.filter(pk=post.pk).update(updated_at=when, created_at=when)


def forecast(now):
    return {row["month"]: row["count"] for row in reports.due(now=now)["forecast"]}


def test_item_due_after_a_year_boundary_is_forecast_in_the_month_it_falls_due(community, cast):
    # Last activity 11 November + 60 days = 10 January: January, not December (this month).
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    last_active(make_post(community, cast["author"], old=False), dt.datetime(2026, 11, 11, 12, 0, tzinfo=UTC))
    schedule("post", retain_days=60)
    assert forecast(now) == {"2027-01": 1}
    assert reports.due(now=now)["schedules"][0]["due_next_months"] == 1


@pytest.mark.parametrize(
    ("last_activity", "retain_days", "month"),
    [
        (dt.datetime(2027, 1, 31, 18, 0, tzinfo=UTC), 30, "2027-03"),  # 31 Jan + 30 days = 2 March
        (dt.datetime(2027, 1, 1, 0, 0, tzinfo=UTC), 30, "2027-01"),  # 31 January: this month, not forecast
        (dt.datetime(2027, 1, 2, 0, 0, tzinfo=UTC), 30, "2027-02"),  # 1 February
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=UTC), 31, "2027-01"),  # 31 January 23:59, still January
        (dt.datetime(2027, 1, 29, 12, 0, tzinfo=UTC), 31, "2027-03"),  # 1 March (28 days in Feb 2027)
    ],
)
def test_item_due_at_a_month_end_is_forecast_in_the_month_of_its_due_date(
    community, cast, last_activity, retain_days, month
):
    now = dt.datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    last_active(make_post(community, cast["author"], old=False), last_activity)
    schedule("post", retain_days=retain_days)
    expected = {} if month == f"{now:%Y-%m}" else {month: 1}
    assert forecast(now) == expected


def test_forecast_counts_items_of_one_month_together_and_keeps_months_apart(community, cast):
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    schedule("post", retain_days=60)
    for when in (dt.datetime(2026, 11, 11, tzinfo=UTC), dt.datetime(2026, 11, 30, tzinfo=UTC),  # January
                 dt.datetime(2026, 12, 2, tzinfo=UTC)):  # 31 January
        last_active(make_post(community, cast["author"], old=False), when)
    last_active(make_post(community, cast["author"], old=False), dt.datetime(2027, 1, 1, tzinfo=UTC))  # 2 March
    assert forecast(now) == {"2027-01": 3, "2027-03": 1}


def test_chunked_run_forecasts_the_same_months_as_the_selector(community, cast):
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    last_active(make_post(community, cast["author"], old=False), dt.datetime(2026, 11, 11, 12, 0, tzinfo=UTC))
    schedule("post", retain_days=60)
    assert reports.run_due(as_of=now)["forecast"] == [{"month": "2027-01", "count": 1}]
