"""Settings read from the environment (README "Configuration"): EMAIL_URL, CACHE_URL, and production's
refusal of the embedded defaults (SPEC §8).

Each case executes unisocial/settings/base.py afresh with exactly the given environment (``runpy``),
so what is checked is what the settings module itself computes.
"""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "unisocial" / "settings" / "base.py"
POSTGRES = "postgres://unisocial:secret@db.internal:5432/unisocial"
REDIS = "redis://redis.internal:6379/0"


def load(**environ) -> dict:
    environ = {"SECRET_KEY": "k" * 50, **environ}
    with mock.patch.dict(os.environ, environ, clear=True):
        return runpy.run_path(str(BASE))


def demo(**environ) -> dict:
    return load(DEBUG="True", **environ)


# --- e-mail ----------------------------------------------------------------------------------


def test_email_url_configures_smtp_with_starttls():
    s = demo(EMAIL_URL="smtp+tls://mailer%40un.example:p%40ss%2Fword@mail.un.example:587")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"]) == ("mail.un.example", 587)
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("mailer@un.example", "p@ss/word")
    assert s["EMAIL_USE_TLS"] is True and s["EMAIL_USE_SSL"] is False
    assert s["EMAIL_TIMEOUT"] == 30


def test_email_url_with_implicit_tls():
    s = demo(EMAIL_URL="smtp+ssl://relay.un.example:465")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_SSL"], s["EMAIL_USE_TLS"]) == (
        "relay.un.example",
        465,
        True,
        False,
    )
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("", "")


def test_without_email_url_the_console_or_email_backend_serves():
    assert demo()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    locmem = "django.core.mail.backends.locmem.EmailBackend"
    assert demo(EMAIL_BACKEND=locmem)["EMAIL_BACKEND"] == locmem


def test_a_bad_email_url_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured):
        demo(EMAIL_URL="gopher://mail.un.example")


# --- cache -----------------------------------------------------------------------------------

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def test_cache_url_names_the_cache():
    s = demo(CACHE_URL="redis://cache.internal:6379/3", REDIS_URL=REDIS)
    assert s["CACHES"]["default"]["BACKEND"] == REDIS_CACHE
    assert s["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/3"
    assert s["UNREAD_COUNT_CACHE"] is True


def test_redis_url_keeps_giving_a_redis_cache_without_cache_url():
    s = demo(REDIS_URL=REDIS)
    assert s["CACHES"]["default"] == {"BACKEND": REDIS_CACHE, "LOCATION": REDIS}
    assert s["UNREAD_COUNT_CACHE"] is True


def test_a_per_process_cache_serves_no_unread_count():
    # Neither: local memory; a local-memory CACHE_URL wins over REDIS_URL, and is not shared.
    assert demo()["CACHES"]["default"]["BACKEND"] == LOCMEM
    s = demo(CACHE_URL="locmemcache://", REDIS_URL=REDIS)
    assert s["CACHES"]["default"]["BACKEND"] == LOCMEM
    assert s["UNREAD_COUNT_CACHE"] is False
    assert s["CELERY_BROKER_URL"] == REDIS  # the broker does not follow the cache


# --- production refuses the embedded defaults -------------------------------------------------


def test_production_refuses_sqlite():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must name a PostgreSQL database") as e:
        load(DEBUG="False", REDIS_URL=REDIS)
    assert "REDIS_URL" not in str(e.value)
    with pytest.raises(ImproperlyConfigured, match="not SQLite"):
        load(DEBUG="False", REDIS_URL=REDIS, DATABASE_URL="sqlite:////var/lib/unisocial/db.sqlite3")


def test_production_refuses_to_run_without_a_broker():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must name the Redis server") as e:
        load(DEBUG="False", DATABASE_URL=POSTGRES)
    assert "tasks run inside the web process" in str(e.value)
    assert "DATABASE_URL" not in str(e.value)


def test_production_names_both_when_both_are_missing():
    with pytest.raises(ImproperlyConfigured) as e:
        load(DEBUG="False")
    assert "DATABASE_URL" in str(e.value) and "REDIS_URL" in str(e.value) and "DEBUG=True" in str(e.value)


def test_production_starts_with_postgresql_and_a_broker():
    s = load(DEBUG="False", DATABASE_URL=POSTGRES, REDIS_URL=REDIS)
    assert s["DEBUG"] is False and s["CELERY_BROKER_URL"] == REDIS
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False


def test_the_demo_keeps_its_embedded_defaults():
    s = demo()
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True


def test_allow_embedded_lifts_the_refusal():
    s = load(DEBUG="False", ALLOW_EMBEDDED="True")
    assert s["DEBUG"] is False


def _dockerfile_collectstatic_env() -> dict:
    text = (ROOT / "Dockerfile").read_text()
    run = next(
        m.group(1) for m in re.finditer(r"^RUN (.*?)(?<!\\)$", text, re.M | re.S) if "collectstatic" in m.group(1)
    )
    return dict(re.findall(r"\b([A-Z_]+)=(\S+)", run.replace("\\\n", " ")))


def test_the_images_collectstatic_step_may_load_production_settings_without_services():
    environ = _dockerfile_collectstatic_env()
    assert environ["DEBUG"] == "False" and environ.get("ALLOW_EMBEDDED") == "True"
    s = load(**environ)  # no DATABASE_URL, no REDIS_URL: as at build time
    assert s["DEBUG"] is False


def test_the_benchmark_settings_still_load():
    # bench.common: production settings, a PostgreSQL URL, no REDIS_URL.
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEBUG": "False",
        "SECRET_KEY": "k" * 50,
        "DATABASE_URL": POSTGRES,
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "ALLOWED_HOSTS": "testserver",
    }
    code = "from django.conf import settings; print(settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


# --- log format ----------------------------------------------------------------------------------


def test_the_log_format_is_json_in_production_and_text_with_debug_unless_chosen():
    def chosen(s):
        return s["LOGGING"]["handlers"]["console"]["formatter"]

    assert chosen(load(DEBUG="False", DATABASE_URL=POSTGRES, REDIS_URL=REDIS)) == "json"
    assert chosen(demo()) == "text"
    assert chosen(demo(LOG_FORMAT="json")) == "json"
    assert chosen(load(DEBUG="False", DATABASE_URL=POSTGRES, REDIS_URL=REDIS, LOG_FORMAT="text")) == "text"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be json or text"):
        demo(LOG_FORMAT="xml")
