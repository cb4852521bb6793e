"""Structured logs (SPEC §8): request id, user id and Celery task id on every line; security events.

The records are the real ones the code logs, captured through the console handler's own filter
(``unisocial.log.ContextFilter``) and formatted by the configured JSON formatter; the last tests
start Django in a child process with production settings and read what it writes on stderr.
"""

import json
import logging
import logging.config
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from communities.models import Role
from tests.factories import PASSWORD, CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility
from unisocial.log import ContextFilter

ROOT = Path(__file__).resolve().parents[2]


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []
        self.addFilter(ContextFilter())  # what the console handler has (settings.LOGGING)

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def records():
    """The records logged during the test, after the console handler's context filter."""
    handler, root = Collect(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.records
    root.removeHandler(handler)
    root.setLevel(level)


def events(records, event):
    return [r for r in records if getattr(r, "event", None) == event]


def as_json(record) -> dict:
    """The line the production console handler writes for ``record``."""
    spec = dict(settings.LOGGING["formatters"]["json"])
    factory = spec.pop("()")
    module, name = factory.rsplit(".", 1)
    formatter = getattr(__import__(module, fromlist=[name]), name)(**spec)
    line = formatter.format(record)
    assert "\n" not in line
    return json.loads(line)


def request_lines(records):
    return [r for r in records if r.name == "unisocial.request"]


# --- request id and user id ---------------------------------------------------------------------


@pytest.mark.django_db
def test_each_request_gets_an_id_echoed_in_the_response_and_on_its_log_lines(records):
    first, second = Client().get("/accounts/login/"), Client().get("/accounts/login/")
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    lines = request_lines(records)
    assert [r.request_id for r in lines] == ids
    assert [r.user_id for r in lines] == [None, None]
    line = as_json(lines[0])
    assert line["request_id"] == ids[0] and line["logger"] == "unisocial.request" and line["level"] == "INFO"
    assert (line["method"], line["route"], line["status"]) == ("GET", "accounts/login/", 200)
    assert "time" in line and "user_id" in line and "task_id" in line


@pytest.mark.django_db
def test_log_requests_false_keeps_the_request_id_but_not_the_request_line(records, settings):
    settings.LOG_REQUESTS = False
    assert len(Client().get("/accounts/login/")["X-Request-ID"]) == 32
    assert request_lines(records) == []


@pytest.mark.django_db
def test_a_sane_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(records):
    given = "Root=1-67891233-abcdef012345678912345678"
    assert Client().get("/accounts/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    for bad in ("two words", "x" * 129, "a\r\nSet-Cookie: x=1", '"quoted"', ""):
        echoed = Client().get("/accounts/login/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32
    assert request_lines(records)[0].request_id == given


@pytest.mark.django_db
def test_a_signed_in_request_logs_its_user_id(records):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get("/communities/").status_code == 200
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/v1/me/").status_code == 200
    lines = request_lines(records)
    assert [(r.route, r.user_id) for r in lines] == [("communities/", user.pk), ("api/v1/me/", user.pk)]
    assert as_json(lines[1])["user_id"] == user.pk


# --- Celery task id ---------------------------------------------------------------------------------


@shared_task
def log_inside_a_task(word):
    logging.getLogger("tests.task").info("inside the task: %s", word)
    return word


def test_a_tasks_log_lines_carry_its_task_id(records):
    result = log_inside_a_task.delay("hello")
    assert result.get() == "hello"
    [line] = [r for r in records if r.name == "tests.task"]
    assert line.task_id == result.id and line.request_id is None
    assert as_json(line)["task_id"] == result.id
    # Outside a task, none.
    logging.getLogger("tests.task").info("outside")
    assert records[-1].task_id is None


# --- security events ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, site",
    [
        ("/accounts/login/", "site"),
        ("/admin/login/", "admin"),
        ("/moderation/login/", "moderation"),
    ],
)
def test_failed_logins_on_the_site_and_both_admin_sites_are_security_events(records, path, site):
    user = UserFactory(is_staff=True)
    response = Client().post(path, {"username": user.username, "password": "wrong-password"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200  # the form again, with its error
    [event] = events(records, "login_failed")
    assert event.name == "unisocial.security" and event.levelno == logging.WARNING
    assert (event.username, event.site, event.ip_address) == (user.username, site, "10.1.2.3")
    line = as_json(event)
    assert line["event"] == "login_failed" and line["request_id"] and "wrong-password" not in json.dumps(line)
    # A good password is no event.
    Client().post(path, {"username": user.username, "password": PASSWORD})
    assert len(events(records, "login_failed")) == 1


@pytest.mark.django_db
def test_a_lockout_is_a_security_event(records):
    user = UserFactory()
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=timedelta(minutes=15)):
        client = Client()
        for _ in range(2):
            client.post("/accounts/login/", {"username": user.username, "password": "x"}, REMOTE_ADDR="10.9.0.1")
    [locked] = events(records, "login_locked_out")
    assert (locked.username, locked.ip_address, locked.site) == (user.username, "10.9.0.1", "site")
    assert len(events(records, "login_failed")) == 2


@pytest.fixture
def restricted(db):
    board = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board")
    owner, outsider = UserFactory(), UserFactory()
    add_member(board, owner, Role.OWNER)
    post = PostFactory(community=board, author=owner, classification=Level.STRICTLY_CONFIDENTIAL)
    return board, owner, outsider, post


def test_an_item_refused_by_the_access_rule_is_a_security_event(records, restricted):
    board, owner, outsider, post = restricted
    client, api = Client(), APIClient()
    client.force_login(outsider)
    api.force_authenticate(outsider)
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    assert api.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert client.get(f"/communities/{board.slug}/").status_code == 404
    refused = events(records, "item_refused")
    assert [(r.route, r.target, r.user_id) for r in refused] == [
        ("posts/<int:pk>/", {"pk": str(post.pk)}, outsider.pk),
        ("api/v1/posts/(?P<id>\\d+)/$", {"id": str(post.pk)}, outsider.pk),
        ("communities/<slug:slug>/", {"slug": board.slug}, outsider.pk),
    ]
    assert all(r.name == "unisocial.security" and r.levelno == logging.WARNING for r in refused)
    assert as_json(refused[0])["target"] == {"pk": str(post.pk)}
    # Django's own "Not Found" lines, logged after the middleware returned, carry the request's id too.
    not_found = [r for r in records if r.name == "django.request"]
    assert len(not_found) == 3 and all(r.request_id and r.user_id == outsider.pk for r in not_found)
    assert [r.request_id for r in not_found] == [r.request_id for r in refused]
    # A missing route is no item: no event.
    assert client.get("/no-such-page/").status_code == 404
    assert len(events(records, "item_refused")) == 3


def test_a_strictly_confidential_read_is_a_security_event(records, restricted):
    board, owner, outsider, post = restricted
    client = Client()
    client.force_login(owner)
    assert client.get(f"/posts/{post.pk}/").status_code == 200
    [read] = events(records, "confidential_read")
    assert (read.user_id, read.target_type, read.target_id, read.community_id, read.via) == (
        owner.pk,
        "post",
        post.pk,
        board.pk,
        "web",
    )
    assert read.levelno == logging.INFO
    assert as_json(read)["request_id"] == request_lines(records)[-1].request_id
    # An allowed read of an unclassified item is none; neither is an allowed one an item_refused.
    plain = PostFactory(community=board, author=owner)
    assert client.get(f"/posts/{plain.pk}/").status_code == 200
    assert len(events(records, "confidential_read")) == 1 and not events(records, "item_refused")


# --- the format, as configured -------------------------------------------------------------------------


def _child_log(**environ) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SECRET_KEY": "k" * 50,
        "DJANGO_SETTINGS_MODULE": "unisocial.settings.base",
        "DATABASE_URL": "postgres://unisocial@127.0.0.1:5432/unisocial",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "testserver",
        **environ,
    }
    code = (
        "import django, logging; django.setup(); "
        "from unisocial.celery import app; app.log.setup(loglevel='INFO'); "  # what a worker does
        "logging.getLogger('unisocial.security').warning('probe', extra={'event': 'probe_event'})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    [line] = [line for line in (result.stderr + result.stdout).splitlines() if "probe" in line]
    return line


def test_production_writes_one_json_object_per_line_even_in_a_worker():
    line = json.loads(_child_log(DEBUG="False"))
    assert line["event"] == "probe_event" and line["logger"] == "unisocial.security"
    assert line["level"] == "WARNING" and line["message"] == "probe"
    assert {"time", "request_id", "user_id", "task_id"} <= set(line)


def test_debug_or_log_format_text_gives_readable_lines():
    for environ in ({"DEBUG": "True"}, {"DEBUG": "False", "LOG_FORMAT": "text"}):
        line = _child_log(**environ)
        assert line.startswith("20") and "WARNING unisocial.security [request=None user=None task=None] probe" in line
    assert json.loads(_child_log(DEBUG="True", LOG_FORMAT="json"))["event"] == "probe_event"
