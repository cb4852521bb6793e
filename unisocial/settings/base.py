"""Settings, read from the environment once (django-environ).

Production hardening is switched on by ``DEBUG=False``; ``test.py`` only
overrides for speed. See README "Configuration".
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG, Django's technical 404/500 pages only when asked for; otherwise the site's own
# friendly pages, as in production (unisocial/error_pages.py).
DEBUG_TECHNICAL_PAGES = env.bool("DEBUG_TECHNICAL_PAGES", default=False)
SECRET_KEY = env(
    "SECRET_KEY",
    default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unisocial.admin_site.SystemAdminConfig",  # django.contrib.admin, "view on site" through the rule
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: its runserver also runs the periodic jobs in embedded mode.
    "unisocial.devserver.apps.DevServerConfig",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files for /api/v1/docs/, from our own static files (SPEC §6).
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_celery_beat",
    # Before unisocial, whose admin replaces or removes their admins (unisocial/admin.py):
    # lockout of password logins (SPEC §7),
    "axes",
    # the system managers' second factor (TOTP),
    "django_otp",
    "django_otp.plugins.otp_totp",
    # and hashed, expiring API tokens (the model is unisocial.ApiToken, KNOX_TOKEN_MODEL).
    "knox",
    "unisocial.apps.UnisocialConfig",
    "notifications",
    "communities",
    "posts",
    "moderation",
    "records",
    "feed",
]

MIDDLEWARE = [
    # /healthz and /readyz answer before everything else: no session, no HTTPS redirect, no host
    # check (unisocial/health.py, SPEC §8).
    "unisocial.health.HealthProbeMiddleware",
    # A request id for every log line of the request (X-Request-ID), its user's id, the request's
    # own log line and the "item_refused" security event (unisocial/log.py, SPEC §8).
    "unisocial.log.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "unisocial.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's own language over the cookie's and the browser's (SPEC §7).
    "unisocial.middleware.PersonLanguageMiddleware",
    # A NUL in the address or a form field: 400 with a message, before any view (PostgreSQL refuses it).
    "unisocial.middleware.NulCharacterMiddleware",
    # user.is_verified(): the session's second factor (django-otp), then the gate that keeps a
    # system manager who signed in with a password on the second-factor pages until then.
    "django_otp.middleware.OTPMiddleware",
    "unisocial.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "unisocial.middleware.SecurityHeadersMiddleware",
    "unisocial.middleware.TermsAcceptanceMiddleware",
    "unisocial.middleware.DraftPublishedMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A locked-out sign-in answers 429 with the login page and its message (unisocial/lockout.py).
    "axes.middleware.AxesMiddleware",
    # The site's 404/500 pages under DEBUG too (the demo); last, see unisocial/error_pages.py.
    "unisocial.error_pages.FriendlyErrorPagesMiddleware",
]

ROOT_URLCONF = "unisocial.urls"
WSGI_APPLICATION = "unisocial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Behind PgBouncer in transaction pooling mode (SPEC §8), DATABASE_POOLER=transaction: a server-side
# cursor (``QuerySet.iterator()``) is a named cursor that lives on one server connection, which the
# pooler hands to another client between transactions, so Django must not use them.
DATABASE_POOLER = env("DATABASE_POOLER", default="")
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DISABLE_SERVER_SIDE_CURSORS", default=DATABASE_POOLER == "transaction"
)
# No connection startup options (PgBouncer in transaction mode refuses or drops ``-c …``):
# ``jit = off`` and ``max_parallel_workers_per_gather = 0`` are the database's own defaults for
# every new session, set by migration unisocial 0007 (``ALTER DATABASE``) or by the deploy step
# ``ALTER ROLE`` (docs/performance.md, "Database session settings", says how and why).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "unisocial.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a password sign-in while the account or the address is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading is_records_officer with the user (unisocial/auth_backends.py).
    "unisocial.auth_backends.UserBackend",
    # Sessions signed in through the identity provider (unisocial/oidc.py); it checks no password.
    "unisocial.auth_backends.ProviderSignInBackend",
    # The one access rule answers user.has_perm(perm, obj) (communities/access.py).
    "communities.access.AccessRuleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"

# OpenID Connect sign-in (SPEC §7, docs/identity.md): configured only by these OIDC_* variables.
# With no client id, issuer and endpoints, the password login serves alone and the OIDC routes
# answer 404 (unisocial.oidc.oidc_enabled). Endpoints are given, not discovered, so that nothing
# reaches the network when settings load: `manage.py oidc_discover ISSUER` prints them.
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="")  # "Sign in with <name>" on the login page
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")  # the "iss" of its tokens; half of a person's stable link
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
# The provider's end_session_endpoint (RP-Initiated Logout 1.0): signing out of the platform after a
# sign-in through the provider signs out of the provider too. Absent: the platform's session only.
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
# Authorization code flow with PKCE (S256), a nonce and a state (mozilla-django-oidc).
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# The claim that says whether the person may still use the platform: false deactivates at sign-in.
OIDC_ACTIVE_CLAIM = env("OIDC_ACTIVE_CLAIM", default="active")
# A back-channel logout ends the person's sessions; True also deactivates them (for providers that
# send one only when they disable an account).
OIDC_BACKCHANNEL_DEACTIVATES = env.bool("OIDC_BACKCHANNEL_DEACTIVATES", default=False)
# The bearer secret of the SCIM-style deactivation endpoint (/scim/v2/Users/<id>); absent: 404.
OIDC_DEPROVISION_TOKEN = env("OIDC_DEPROVISION_TOKEN", default="")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Password sign-ins (SPEC §7), on /accounts/login/ and both admin sites' logins (django-axes):
# after LOGIN_FAILURE_LIMIT failures in a row for one username, or from one address, further
# attempts by that username or from that address are refused (429, the login page says why) for
# LOGIN_COOLOFF_MINUTES; a success resets the username's and the address's count.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "unisocial.lockout.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# The address counted is REMOTE_ADDR (django-ipware is not installed): behind a proxy, the WSGI
# server must set it from the proxy's header (gunicorn --forwarded-allow-ips).

# System managers (superusers) who sign in with a password need a second factor, TOTP (SPEC §7):
# until the session is verified it reaches only the enrolment and code pages and sign-out
# (unisocial.middleware.SecondFactorMiddleware). Off only in the test settings, where tests that
# sign system managers in without a browser (Client.force_login) do not pass it; the second-factor
# tests turn it on.
SECOND_FACTOR_REQUIRED = True
# Sign-ins through these backends (dotted paths; the identity provider's) are not asked for it.
SECOND_FACTOR_EXEMPT_BACKENDS = ["unisocial.auth_backends.ProviderSignInBackend"]
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="unisocial")
# Wrong codes slow the next attempt down: 1, 2, 4 … seconds (django-otp's throttling), up to an hour.
OTP_TOTP_THROTTLE_FACTOR = 1

# API tokens (django-rest-knox, SPEC §7): hashed at rest (SHA-512), each with an expiry its owner
# chooses (unisocial/tokens.py DURATIONS; API_TOKEN_DEFAULT_DAYS when none is chosen).
KNOX_TOKEN_MODEL = "unisocial.ApiToken"
# knox's own migrations create its AuthToken table even when the model is swapped for ours (its
# 0001 has no ``swappable`` option): an unused table whose foreign key to the user stopped the test
# database's flush on PostgreSQL. Without them nothing of knox's is created: its swapped model is
# skipped by migrate's syncdb too.
MIGRATION_MODULES = {"knox": None}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DEFAULT_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# django-guardian: we keep no anonymous user; object grants live in direct-FK
# tables (communities.Membership, posts.PostReader) — never the generic ones on a hot path.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
# guardian.W001 asks for its ObjectPermissionBackend; we leave it out on purpose:
# object checks go through the one access rule (AccessRuleBackend), so a raw
# guardian grant can never widen what a user sees.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]

LANGUAGE_CODE = "en"
# The six official languages (SPEC §7), each named in itself in the language switch
# (templates/includes/language_form.html shows name_local). Arabic is right to left.
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site's root by WhiteNoise, before any route or sign-in: /favicon.ico, which
# browsers ask for on every page (the pages' own <link rel="icon"> points at static/img/).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# Attachments live outside any public path; they are served only by a
# permission-checked view (SPEC §2.3). There is deliberately no MEDIA_URL route.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
# Files go through storage aliases (SPEC §8). "private" holds attachments (attachments/), archive
# packages (archive/) and community exports (exports/): by default the local directory
# PRIVATE_MEDIA_ROOT (read when used, never frozen into a migration); with STORAGE_BACKEND=s3, a
# bucket of any S3-compatible object store (django-storages; unisocial.s3_storage), shared by every
# node: no ACL, no URL, read only through the site's access-checked views, streamed.
STORAGE_BACKEND = env("STORAGE_BACKEND", default="local").strip().lower()
if STORAGE_BACKEND == "s3":
    PRIVATE_STORAGE = {
        "BACKEND": "unisocial.s3_storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME", default=""),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,  # empty: AWS itself
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,  # empty: boto's own chain
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
        },
    }
    if not PRIVATE_STORAGE["OPTIONS"]["bucket_name"]:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME (the private bucket's name).")
elif STORAGE_BACKEND in ("local", ""):
    PRIVATE_STORAGE = {"BACKEND": "unisocial.private_storage.PrivateFileSystemStorage"}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Knox tokens (Authorization: Token <token>), noting when each was last used. First, so
        # that a request without credentials (or with a revoked token) answers 401 with
        # WWW-Authenticate: Token.
        "unisocial.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "unisocial.api.TermsAccepted",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "unisocial.api.exception_handler",
    # Every API call is counted per person (per address when anonymous); 429 with ``detail`` past
    # the rate. The people picker (communities.api.PeopleView) has its own, stricter scope: an
    # autocomplete, not a directory dump. Counts live in the default cache (CACHES).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
        "people": env("API_THROTTLE_PEOPLE", default="120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "unisocial API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/v1/docs/ (ops): Swagger UI from drf-spectacular-sidecar's static files, no CDN; no
    # call to the public validator service.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # One schema enum per shared choice set (levels are used as ``ceiling`` and
    # ``classification``; item statuses by posts, comments and wiki pages).
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "unisocial.classification.Level",
        "ItemStatusEnum": "unisocial.classification.Status",
        # moderation: flags and actions name an item as post, comment or wiki page
        "ModerationTargetTypeEnum": "moderation.models.TargetType",
        # records: schedules, holds and batches name content as post, wiki or community
        "RecordsContentTypeEnum": "records.models.ContentType",
    },
}

# Celery: Redis when REDIS_URL is set; otherwise tasks run in process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# --- cache (ops: CACHE_URL) ---------------------------------------------------------------------
# The cache (throttle counts, the unread-notification count): CACHE_URL when set (django-environ's
# cache_url: redis://host:6379/1, rediss://…, pymemcache://host:11211, locmemcache://); otherwise
# Redis when REDIS_URL is set, shared by every process; otherwise local memory, one per process.
CACHE_URL = env("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10_000}}
    }
# The navigation's unread count from the cache (notifications/unread.py). Only with a cache every
# process shares: a change made in one process (a worker, a command) must reach every other's.
SHARED_CACHE = CACHES["default"]["BACKEND"] not in (
    "django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache",
)
UNREAD_COUNT_CACHE = env.bool("UNREAD_COUNT_CACHE", default=SHARED_CACHE)
# --- end cache ---------------------------------------------------------------------------------
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Redis redelivers unacknowledged tasks after visibility_timeout: keep it above the time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# The periodic tasks, by name: celery beat reads them from the database (django_celery_beat), where
# system managers see and adjust them in /admin/. After each migrate, those missing from the
# database are created (``unisocial.apps.sync_periodic_tasks``; crontab fields not given are "*", in
# UTC); one already there is left as it is, edited or disabled. Each records job runs at most once
# per window (``records.jobs.run_once``), so two beats do no harm.
# With no REDIS_URL there is no beat: ``runserver`` runs these in a thread of its own
# (``unisocial.devserver.beat``); EMBEDDED_BEAT=False turns that off. Never with REDIS_URL.
EMBEDDED_BEAT = env.bool("EMBEDDED_BEAT", default=not REDIS_URL)
PERIODIC_TASKS = {
    "expire memberships": {
        "task": "communities.tasks.expire_memberships_task",
        "crontab": {"minute": "15", "hour": "2"},
        "description": "Warn owners a week before a membership ends; remove members on the end date.",
    },
    "send daily notification digests": {
        "task": "posts.tasks.send_daily_digest_task",
        "crontab": {"minute": "0", "hour": "6"},
        "description": "E-mail those who chose a daily digest one list of their unread notifications.",
    },
    "records: staleness": {
        "task": "records.tasks.staleness_task",
        "crontab": {"minute": "30", "hour": "1"},
        "description": "Flag communities inactive for STALE_COMMUNITY_DAYS, notify owners, "
                       "archive after STALE_GRACE_DAYS.",
    },
    "records: gather due items": {
        "task": "records.tasks.gather_due_task",
        "crontab": {"minute": "45", "hour": "1"},
        "description": "Gather items past retention into a disposition batch per schedule, for approval.",
    },
    "records: remove old community exports": {
        "task": "records.tasks.expire_community_exports_task",
        "crontab": {"minute": "40"},
        "description": "Remove from storage the community exports older than COMMUNITY_EXPORT_DAYS (SPEC §4).",
    },
    "records: run approved batches": {
        "task": "records.tasks.run_approved_batches_task",
        "crontab": {"minute": "*"},
        "description": "Queue approved disposition batches that no worker is running "
                       "(never started, or the worker died: silent for RECORDS_BATCH_STALL_SECONDS).",
    },
    # ops (SPEC §8): sessions live in the database; an expired one stays there until removed.
    "clear expired sessions": {
        "task": "unisocial.tasks.clear_expired_sessions_task",
        "crontab": {"minute": "5", "hour": "3"},
        "description": "Delete expired sessions from the database (Django's clearsessions).",
    },
    "records: purge quarantine": {
        "task": "records.tasks.purge_quarantine_task",
        "crontab": {"minute": "20"},
        "description": "Destroy the disposed items whose restore window has passed, write their "
                       "disposition records and issue the certificates of finished batches.",
    },
}

# --- e-mail (ops: EMAIL_URL) --------------------------------------------------------------------
# EMAIL_URL sets the SMTP server in one variable (django-environ's email_url), user and password
# URL-encoded: smtp+tls://user:password@mail.example.org:587 (STARTTLS), smtp+ssl://…:465 (TLS from
# the first byte), smtp://mail.example.org:25 (plain, a relay on the local network). Without it,
# EMAIL_BACKEND alone (default: the console, which prints every mail to the log: the demo).
_email = env.email_url("EMAIL_URL") if env("EMAIL_URL", default="") else {}
EMAIL_BACKEND = _email.get("EMAIL_BACKEND") or env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
# Seconds an SMTP connection may hang before the sending task fails (and is retried), not forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
del _email
# --- end e-mail ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="unisocial <no-reply@unisocial.invalid>")
# Absolute links in e-mails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Rate limits, per person and per hour, so that one account cannot flood a community or a moderation queue.
FLAG_RATE_PER_HOUR = env.int("FLAG_RATE_PER_HOUR", default=20)
POST_RATE_PER_HOUR = env.int("POST_RATE_PER_HOUR", default=30)

# Attachments larger than this are refused (posts and wiki pages).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# PostgreSQL text search configuration of search. The stored search documents are built with it
# (posts migrations 0008, 0009): changing it on a live database needs a migration that rebuilds them.
# Read by migrations posts/0008–0009 only; since 0017 each item is searched in its own language.
SEARCH_CONFIG = env("SEARCH_CONFIG", default="english")

# Records management (SPEC §4): staleness and declassification review.
STALE_COMMUNITY_DAYS = env.int("STALE_COMMUNITY_DAYS", default=365)
STALE_GRACE_DAYS = env.int("STALE_GRACE_DAYS", default=30)
DECLASSIFICATION_REVIEW_YEARS = env.int("DECLASSIFICATION_REVIEW_YEARS", default=20)
# Records jobs (docs/records.md): the Celery queue of disposition batches and report runs (empty:
# the default queue); a batch runs in slices of this many seconds, each slice a task of its own;
# a batch or report run not heard of for this many seconds is taken as stalled (its worker is gone).
RECORDS_QUEUE = env("RECORDS_QUEUE", default="")
RECORDS_BATCH_SLICE_SECONDS = env.int("RECORDS_BATCH_SLICE_SECONDS", default=300)
# A running batch beats before every item; an item takes well under a second (a large package a few),
# so a minute of silence means its worker is gone. Taken over twice by mistake, nothing is done twice
# (each item is claimed under a row lock and disposed of at most once: records.disposition).
RECORDS_BATCH_STALL_SECONDS = env.int("RECORDS_BATCH_STALL_SECONDS", default=60)
RECORDS_REPORT_STALL_SECONDS = env.int("RECORDS_REPORT_STALL_SECONDS", default=600)
# Long reports: the inventory counts this many communities per step; the access log keeps the newest this many rows.
RECORDS_REPORT_COMMUNITY_SLICE = env.int("RECORDS_REPORT_COMMUNITY_SLICE", default=200)
RECORDS_REPORT_ROW_CAP = env.int("RECORDS_REPORT_ROW_CAP", default=10_000)
# Community exports (SPEC §4): removed from the private storage this many days after they are built.
COMMUNITY_EXPORT_DAYS = env.int("COMMUNITY_EXPORT_DAYS", default=7)
# A test hook: seconds a disposition batch waits before each item, so a test can kill the worker mid-batch.
RECORDS_ITEM_DELAY = env.float("RECORDS_ITEM_DELAY", default=0.0)

# Sessions end after this many seconds of inactivity: each request moves the expiry ahead,
# writing the session at most once every SESSION_REFRESH_SECONDS
# (unisocial.middleware.SessionIdleRefreshMiddleware; not a write on every request).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- logging (ops, SPEC §8) ------------------------------------------------------------------------
# One line per record on stderr: a JSON object (python-json-logger) in production, readable text
# with DEBUG; LOG_FORMAT=json or text chooses. Every line carries request_id (X-Request-ID when
# sane, else a new one; echoed in the response), user_id and, in a worker, task_id
# (unisocial/log.py). Security events (logger "unisocial.security") carry an "event" field:
# login_failed, login_locked_out, item_refused, confidential_read, … (README "Configuration", LOG_FORMAT).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "unisocial.log.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "unisocial.log.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(task_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [request=%(request_id)s user=%(user_id)s "
            "task=%(task_id)s] %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# One "unisocial.request" line per request (method, route, status, duration_ms); the security
# events are logged either way.
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=True)
# The worker logs through the same handler (JSON lines with task_id), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# --- end logging ------------------------------------------------------------------------------------

# --- production refuses the embedded defaults (ops, SPEC §8) ------------------------------------
# With DEBUG=False the site must not start on SQLite (one file, one machine) or without a broker
# (every task would run inside the web process that queued it, gunicorn's request included).
# ALLOW_EMBEDDED=True lifts this for what serves nobody: the image's collectstatic build step
# (Dockerfile, no database or broker at build time) and the benchmarks (bench/settings.py).
ALLOW_EMBEDDED = env.bool("ALLOW_EMBEDDED", default=False)
if not DEBUG and not ALLOW_EMBEDDED:
    _missing = []
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        _missing.append("DATABASE_URL must name a PostgreSQL database (postgres://user:password@host:5432/name), "
                        "not SQLite")
    if CELERY_BROKER_URL.startswith("memory://"):
        _missing.append("REDIS_URL must name the Redis server of the Celery broker (redis://host:6379/0): "
                        "without one, tasks run inside the web process")
    if _missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "Production settings (DEBUG=False) refuse to start: " + "; ".join(_missing) + ". "
            "For the demo on the embedded defaults set DEBUG=True (make run)."
        )
# --- end production refusal ----------------------------------------------------------------------
