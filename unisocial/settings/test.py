"""Test settings: base settings made fast; the database follows DATABASE_URL."""
import os

os.environ.setdefault("DEBUG", "True")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-abcdef")

from .base import *  # noqa: E402,F403
from .base import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in process (and raise, as in base) in tests, even when REDIS_URL is set;
# the job tests start a real worker themselves then.
CELERY_TASK_ALWAYS_EAGER = True
# No scheduler thread in tests (tests/core/test_devserver_beat.py drives it by hand).
EMBEDDED_BEAT = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
STORAGES = {
    **STORAGES,  # noqa: F405 (the default and private aliases stay)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# N+1 detection (docs/performance.md): django-zeal raises ZealError when one request
# runs the same query for each row of a result (a related object, a
# ``.get()``). Its middleware goes first, so each request — session and user
# loading included — is one scope; a test's separate requests are not an N+1
# of each other. ``tests/core/test_seed.py`` scopes each seeder run the same way.
from .base import INSTALLED_APPS, MIDDLEWARE  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = ["zeal.middleware.zeal_middleware", *MIDDLEWARE]
ZEAL_RAISE = True
ZEAL_NPLUSONE_THRESHOLD = 2
# Known, justified exceptions, each with its reason (see docs/performance.md).
ZEAL_ALLOWLIST = [
    # The revision diff loads exactly two revisions by id (old and new): bounded, not per row.
    {"model": "posts.HistoricalWikiPage", "field": "get()"},
    # Forms look a user up per submitted field (Django admin's inline raw-id user,
    # the readers and members forms' usernames): bounded by what one person submits.
    # Users reached from listed rows (``Post.author`` …) are related fields and stay checked.
    {"model": "unisocial.User", "field": "get()"},
    # Django admin's membership inline formset loads each submitted row by id to validate it.
    {"model": "communities.Membership", "field": "get()"},
]

# Moderation rate limits (SPEC §3): tests that build big worlds through the services post
# more than an hour's quota; the rate-limit tests set their own limits with ``settings``.
POST_RATE_PER_HOUR = 10_000
FLAG_RATE_PER_HOUR = 10_000

# Password sign-in lockout and the system managers' second factor (SPEC §7) are on in base;
# Django's test Client.login() authenticates without a request, which django-axes refuses, and
# Client.force_login() of a system manager has no second factor. The tests of both turn them on
# with override_settings (tests/core/test_login_lockout.py, test_second_factor.py) and prove the
# real behaviour there.
AXES_ENABLED = False
SECOND_FACTOR_REQUIRED = False
# API throttles (SPEC §7) counted in each test process's memory: far above what a test sends;
# tests/api/test_throttles.py sets real rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "anon": "100000/min",
        "user": "100000/min",
    },
}
# Tests never share a cache with another run (REDIS_URL or not): local memory, emptied before
# each test (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10_000}}}
# One process: the local-memory cache is shared by everything a test runs, so the unread count
# is served from it as in production (tests/notifications/test_unread_cache.py).
UNREAD_COUNT_CACHE = True
