"""/healthz and /readyz (SPEC §6, §8): anyone may ask, the answer says nothing else.

The readiness failures are real: the broker is pointed at a closed port of the loopback address and
the database connection at a server that is not there; the probe's own connection attempts fail.
"""

import logging
import socket

import pytest
from django.db import connections
from django.test import Client, override_settings

from tests.factories import UserFactory


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_touching_the_database():
    # No django_db mark: pytest-django refuses any database access here, so a query would fail the test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "Set-Cookie" not in response


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["unisocial.example.org"])
def test_probes_over_plain_http_to_the_machines_own_address_are_answered_not_redirected():
    # A load balancer probes http://10.0.0.7:8000/healthz: no HTTPS redirect, no 400 for the host.
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    # Anything else still meets both.
    assert Client().get("/terms/", HTTP_HOST="unisocial.example.org").status_code == 301


def test_healthz_refuses_other_methods():
    assert Client().post("/healthz").status_code == 405


def _broker_here(settings):
    """The tests' broker: the real Redis when REDIS_URL is set, else the in-process transport."""
    return settings.REDIS_URL or "memory://"


@pytest.mark.django_db
def test_readyz_answers_200_when_database_and_broker_answer(settings):
    settings.CELERY_BROKER_URL = _broker_here(settings)
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_readyz_answers_503_and_nothing_else_when_the_broker_is_unreachable(settings, caplog):
    port = closed_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    with caplog.at_level(logging.WARNING, logger="unisocial.health"):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.content == b"unavailable\n"  # no host, port, version or error text
    assert str(port).encode() not in response.content
    # The reason is in the log, with the real connection error.
    failures = [r for r in caplog.records if r.name == "unisocial.health"]
    assert [r.getMessage() for r in failures] == ["readiness: the broker does not answer"]
    assert failures[0].exc_info is not None


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_unreachable(settings, caplog):
    settings.CELERY_BROKER_URL = _broker_here(settings)
    real = connections["default"]
    unreachable = dict(real.settings_dict)
    if real.vendor == "sqlite":
        unreachable["NAME"] = "/nonexistent-directory/unisocial.sqlite3"
    else:
        unreachable.update(HOST="127.0.0.1", PORT=str(closed_port()))
    # A second connection object to a server that is not there, in the place of "default" for the
    # request (the test's own connection and its transaction stay as they are).
    connections["default"] = type(real)(unreachable, alias="default")
    try:
        with caplog.at_level(logging.WARNING, logger="unisocial.health"):
            response = Client().get("/readyz")
    finally:
        connections["default"].close()
        connections["default"] = real
    assert response.status_code == 503
    assert response.content == b"unavailable\n"
    assert [r.getMessage() for r in caplog.records if r.name == "unisocial.health"] == [
        "readiness: the database does not answer"
    ]


@pytest.mark.django_db
def test_probes_pass_the_sign_in_terms_and_second_factor_gates(settings):
    # One override mechanism only (the settings fixture): mixed with override_settings, the
    # fixture's restore would leave SECOND_FACTOR_REQUIRED on for the tests after this one.
    settings.SECOND_FACTOR_REQUIRED = True
    settings.CELERY_BROKER_URL = _broker_here(settings)
    no_terms = UserFactory(accepted_terms=False)
    manager = UserFactory(is_superuser=True, is_staff=True)
    for user in (no_terms, manager):
        client = Client()
        client.force_login(user)
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    # The gates hold for the pages (no terms accepted; no second factor yet).
    for user, where in ((no_terms, "/terms/"), (manager, "/accounts/otp/")):
        client = Client()
        client.force_login(user)
        assert client.get("/communities/")["Location"].startswith(where)
