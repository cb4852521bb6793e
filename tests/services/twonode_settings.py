"""Settings of the two-node proof's processes (tests/services/test_two_nodes.py): the production
settings (``DEBUG=False``, everything read from the environment: the database through PgBouncer,
Redis for the cache, the sessions' cache and the broker, the private storage), with the local
differences that plain HTTP on the loopback needs and nothing else: no HTTPS redirect and no
``Secure`` cookies (the test client speaks HTTP to haproxy), static files not collected (plain
storage instead of the manifest), a fast password hasher."""

from unisocial.settings.base import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405 (the private alias for attachments and packages stays as configured)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
