"""Staleness (SPEC §4): flag, notify, "still in use", archive after grace — dated and logged."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.models import Community
from notifications.models import Notification
from records import staleness
from records.models import RecordsAuditLog, StalenessReview

from .conftest import age

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_community(community, settings):
    settings.STALE_COMMUNITY_DAYS = 365
    settings.STALE_GRACE_DAYS = 30
    return age(community, days=400)


def test_an_inactive_community_is_flagged_and_its_owners_notified(stale_community, cast):
    now = timezone.now()
    assert staleness.staleness_sweep(now=now)["flagged"] == 1
    review = StalenessReview.objects.get(community=stale_community)
    assert review.state == "flagged"
    assert review.flagged_at == now and review.grace_until == now + dt.timedelta(days=30)
    notes = Notification.objects.filter(kind="records", community=stale_community)
    assert list(notes.values_list("recipient__username", flat=True)) == ["owner"]
    assert RecordsAuditLog.objects.filter(action="community_flagged_stale",
                                          target_id=str(stale_community.pk)).exists()


def test_an_active_community_is_not_flagged(community, settings):
    settings.STALE_COMMUNITY_DAYS = 365
    age(community, days=100)
    assert staleness.staleness_sweep(now=timezone.now())["flagged"] == 0


def test_flagging_twice_does_nothing_more(stale_community):
    now = timezone.now()
    staleness.staleness_sweep(now=now)
    staleness.staleness_sweep(now=now + dt.timedelta(days=1))
    assert StalenessReview.objects.count() == 1
    assert Notification.objects.filter(kind="records").count() == 1


def test_still_in_use_resets_the_clock(stale_community, cast):
    now = timezone.now()
    staleness.staleness_sweep(now=now)
    staleness.community_still_in_use(actor=cast["owner"], community=stale_community, now=now)
    review = StalenessReview.objects.get()
    assert (review.state, review.resolved_by) == ("still_in_use", cast["owner"])
    # Past the grace period: not archived; and not flagged again until another full year without a sign.
    result = staleness.staleness_sweep(now=now + dt.timedelta(days=60))
    assert result == {"flagged": 0, "archived": 0, "cleared": 0}
    stale_community.refresh_from_db()
    assert not stale_community.is_archived
    assert staleness.staleness_sweep(now=now + dt.timedelta(days=366))["flagged"] == 1
    assert RecordsAuditLog.objects.filter(action="community_still_in_use", actor=cast["owner"]).exists()


def test_only_owners_answer_still_in_use(stale_community, cast):
    staleness.staleness_sweep(now=timezone.now())
    for name in ("plain", "outsider"):
        with pytest.raises(PermissionDenied):
            staleness.community_still_in_use(actor=cast[name], community=stale_community)
    assert StalenessReview.objects.get().state == "flagged"


def test_still_in_use_needs_a_flag(community, cast):
    with pytest.raises(ValidationError):
        staleness.community_still_in_use(actor=cast["owner"], community=community)


def test_without_an_answer_the_community_is_archived_after_the_grace_period(stale_community):
    now = timezone.now()
    staleness.staleness_sweep(now=now)
    assert staleness.staleness_sweep(now=now + dt.timedelta(days=29))["archived"] == 0
    later = now + dt.timedelta(days=31)
    assert staleness.staleness_sweep(now=later)["archived"] == 1
    stale_community.refresh_from_db()
    assert stale_community.is_archived and stale_community.archived_at == later
    review = StalenessReview.objects.get()
    assert (review.state, review.resolved_at) == ("archived", later)
    assert RecordsAuditLog.objects.filter(action="community_archived_stale").count() == 1
    assert Notification.objects.filter(kind="records", community=stale_community).count() == 2


def test_activity_after_the_flag_clears_it(stale_community):
    now = timezone.now()
    staleness.staleness_sweep(now=now)
    Community.objects.filter(pk=stale_community.pk).update(last_activity_at=now + dt.timedelta(days=1))
    result = staleness.staleness_sweep(now=now + dt.timedelta(days=31))
    assert result["archived"] == 0 and result["cleared"] == 1
    stale_community.refresh_from_db()
    assert not stale_community.is_archived


@pytest.mark.parametrize("who,status", [("plain", 403), ("outsider", 404)])
def test_only_owners_answer_in_the_browser(stale_community, cast, login, who, status):
    staleness.staleness_sweep(now=timezone.now())
    assert login(cast[who]).post("/records/stale/audit/still-in-use/").status_code == status
    assert StalenessReview.objects.get().state == "flagged"


def test_an_owner_answers_in_the_browser(stale_community, cast, login):
    staleness.staleness_sweep(now=timezone.now())
    response = login(cast["owner"]).post("/records/stale/audit/still-in-use/")
    assert response.status_code == 302 and response.url == "/communities/audit/"
    assert StalenessReview.objects.get().state == "still_in_use"


def test_an_owner_answers_in_the_api(stale_community, cast, api):
    staleness.staleness_sweep(now=timezone.now())
    url = "/api/v1/records/stale/audit/still-in-use/"
    assert api(cast["plain"]).post(url).status_code == 403
    assert api(cast["outsider"]).post(url).status_code == 404
    response = api(cast["owner"]).post(url)
    assert response.status_code == 200 and response.json() == {"community": "audit", "state": "still_in_use"}
    # Asked again: nothing is flagged any more.
    assert api(cast["owner"]).post(url).status_code == 400


def test_the_community_page_asks_its_owners_and_only_them(stale_community, cast, login):
    staleness.staleness_sweep(now=timezone.now())
    page = login(cast["owner"]).get("/communities/audit/").content.decode()
    assert "/records/stale/audit/still-in-use/" in page
    page = login(cast["plain"]).get("/communities/audit/").content.decode()
    assert "/records/stale/audit/still-in-use/" not in page
