"""Security headers, session cookies and the idle timeout (SPEC §2.3).

Production hardening is switched on by ``DEBUG=False`` in unisocial/settings/base.py.
The production values are read from those settings in a subprocess (exactly as
production loads them) and applied to the test app, so the test checks the
project's configuration, not Django's defaults. ``manage.py check --deploy`` on
the same settings is tests/core/test_deploy.py.
"""
import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEYS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_REFRESH_SECONDS",
    "MIDDLEWARE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]


def production_settings(**environ) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "unisocial.example.org",
        "DJANGO_SETTINGS_MODULE": "unisocial.settings.base",
        # Production refuses SQLite and a missing broker (SPEC §8); nothing here connects to either.
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://unisocial@127.0.0.1:5432/unisocial",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        **environ,
    }
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{k: getattr(settings, k, None) for k in {PRODUCTION_KEYS!r}}}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture(scope="module")
def production():
    return production_settings()


def test_production_turns_on_https_hsts_and_secure_cookies(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and production["SECURE_HSTS_PRELOAD"]
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")


@pytest.mark.django_db
def test_production_responses_carry_every_security_header(production, user, password):
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        client = Client()  # middleware reads its settings when the first request loads it
        plain = client.get("/terms/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        response = client.get("/terms/", secure=True)
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        csp = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                          "frame-ancestors 'none'", "form-action 'self'"):
            assert directive in csp, directive
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"

        login = client.post("/accounts/login/", {"username": user.username, "password": password}, secure=True)
        assert login.status_code == 302
        cookie = login.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
        assert int(cookie["max-age"]) == production["SESSION_COOKIE_AGE"]
        csrf = login.cookies[settings.CSRF_COOKIE_NAME]
        assert csrf["secure"] and csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_api_and_error_pages_carry_the_headers_too(client):
    for path in ("/api/v1/me/", "/no-such-page/", "/api/v1/no-such-endpoint/"):
        response = client.get(path)
        assert "default-src 'self'" in response["Content-Security-Policy"], path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path


def test_the_idle_timeout_is_configurable_and_defaults_to_thirty_minutes(production):
    assert production["SESSION_COOKIE_AGE"] == 30 * 60
    assert production["SESSION_REFRESH_SECONDS"] == 60
    assert "unisocial.middleware.SessionIdleRefreshMiddleware" in production["MIDDLEWARE"]
    assert production_settings(SESSION_IDLE_TIMEOUT="120")["SESSION_COOKIE_AGE"] == 120


def _age_session(by: timedelta):
    """Move the clock forward by ``by`` (as seen by the session): its expiry moves back."""
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE) - by)


def _age_refresh_mark(by: timedelta):
    """The session's own "last refreshed" mark, moved back with the clock."""
    from django.contrib.sessions.backends.db import SessionStore

    from unisocial.middleware import SessionIdleRefreshMiddleware as refresh

    row = Session.objects.get()
    store = SessionStore(session_key=row.session_key)
    store[refresh.KEY] = store.get(refresh.KEY, 0) - int(by.total_seconds())
    expiry = row.expire_date
    store.save()
    Session.objects.update(expire_date=expiry)


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_AGE=600, SESSION_REFRESH_SECONDS=60)
def test_a_session_ends_after_the_idle_timeout_and_each_request_refreshes_it(client, user, password):
    assert client.post("/accounts/login/", {"username": user.username, "password": password}).status_code == 302
    assert client.get("/communities/").status_code == 200

    # Nine of ten minutes idle: still signed in, and the request starts the ten minutes again.
    _age_session(timedelta(minutes=9))
    _age_refresh_mark(by=timedelta(minutes=9))
    response = client.get("/communities/")
    assert response.status_code == 200
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 600
    remaining = Session.objects.get().expire_date - timezone.now()
    assert timedelta(minutes=9, seconds=50) < remaining <= timedelta(minutes=10)

    # Ten minutes and a second idle: the session is over.
    _age_session(timedelta(minutes=10, seconds=1))
    response = client.get("/communities/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_AGE=600, SESSION_REFRESH_SECONDS=60)
def test_requests_within_the_refresh_interval_do_not_write_the_session(client, user, password):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.post("/accounts/login/", {"username": user.username, "password": password}).status_code == 302
    client.get("/communities/")  # sets the refresh mark (one write)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/communities/")
    assert response.status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing new to tell the browser

    # A minute later the next request writes it again, and renews the cookie.
    _age_refresh_mark(by=timedelta(seconds=61))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/communities/")
    assert [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 600
