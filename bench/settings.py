"""Settings of the benchmark runs: the production settings (``DEBUG=False``), on the
size's own PostgreSQL database (``bench.common``), with two local differences:
static files are not collected (plain storage instead of the manifest) and there
is no HTTPS redirect (requests come from Django's in-process test client)."""
import os

# Benchmarks run the production settings in one process, tasks eager and no broker (bench.common):
# what base.py refuses to serve with (SPEC §8), allowed here because nothing is served.
os.environ.setdefault("ALLOW_EMBEDDED", "True")

from unisocial.settings.base import *  # noqa: E402,F403

STORAGES = {
    **STORAGES,  # noqa: F405 (the private alias for attachments and packages stays)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# One process (the in-process test client), so the local-memory cache is shared by all it does:
# the unread count from the cache as in production (notifications/unread.py);
# UNREAD_COUNT_CACHE=False measures the exact count on every page.
UNREAD_COUNT_CACHE = env.bool("UNREAD_COUNT_CACHE", default=True)  # noqa: F405
