"""DRF throttles on the whole API (SPEC §7): per person when signed in, per address when not;
past the rate, 429 JSON with ``detail``; rates from the environment. The people picker keeps its
own scope."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**scoped):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **scoped})

    return set_rates


def test_every_api_call_is_throttled_per_person(rates):
    rates(user="3/min")
    me, other = UserFactory(), UserFactory()
    client = APIClient()
    client.force_authenticate(me)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    answer = client.get("/api/v1/communities/")
    assert answer.status_code == 429
    body = answer.json()
    assert body["code"] == "throttled" and "detail" in body and int(answer["Retry-After"]) > 0
    # Another person has their own count.
    theirs = APIClient()
    theirs.force_authenticate(other)
    assert theirs.get("/api/v1/me/").status_code == 200


def test_anonymous_calls_are_throttled_per_address(rates):
    # Where the API answers anonymous callers at all (its JSON 404); elsewhere they are refused
    # with 401 before any count (DRF checks permissions before throttles).
    rates(anon="2/min")
    client = APIClient()
    path = "/api/v1/no-such-thing/"
    assert [client.get(path, REMOTE_ADDR="10.1.1.1").status_code for _ in range(2)] == [404, 404]
    answer = client.get(path, REMOTE_ADDR="10.1.1.1")
    assert answer.status_code == 429 and "detail" in answer.json()
    assert client.get(path, REMOTE_ADDR="10.1.1.2").status_code == 404


def test_the_people_scope_stays():
    throttles = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert "rest_framework.throttling.UserRateThrottle" in throttles
    assert "rest_framework.throttling.AnonRateThrottle" in throttles
    assert "people" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


def test_the_rates_come_from_the_environment():
    env = {**os.environ, "DEBUG": "True", "API_THROTTLE_USER": "7/min", "API_THROTTLE_ANON": "5/hour",
           "DJANGO_SETTINGS_MODULE": "unisocial.settings.base"}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings;"
         " r = settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']; print(r['user'], r['anon'], r['people'])"],
        env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR,
    )
    assert out.stdout.split() == ["7/min", "5/hour", "120/min"]
