"""Liveness and readiness probes (SPEC §6, §8): ``/healthz`` and ``/readyz``.

``/healthz`` says the process answers: 200, no database, no broker. ``/readyz`` says it can serve:
200 when the database answers ``SELECT 1`` and the Celery broker accepts a connection, 503 when
either does not. Both answer anyone (no sign-in, no terms gate) and say nothing else: no versions,
host names or error text — what failed goes to the log, not to the probe.

``HealthProbeMiddleware``, first in ``MIDDLEWARE``, answers both paths before any other middleware:
no session is loaded, no HTTPS redirect is sent to a load balancer probing over plain HTTP, and no
``ALLOWED_HOSTS`` check refuses a probe addressed to the machine's own address (nothing here depends
on the host). The URL conf names the same two views (``healthz``, ``readyz``).
"""

import logging

from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Seconds a readiness probe waits for the broker before answering 503.
BROKER_TIMEOUT = 2


def _answer(status: int) -> HttpResponse:
    response = HttpResponse(
        "ok\n" if status == 200 else "unavailable\n", status=status, content_type="text/plain; charset=utf-8"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@never_cache
def healthz(request):
    """The process answers."""
    return _answer(200)


def database_ready(alias: str = "default") -> bool:
    """A real round trip to the database (``SELECT 1``)."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not ready"; the reason goes to the log only
        logger.warning("readiness: the database does not answer", exc_info=True)
        connections[alias].close_if_unusable_or_obsolete()
        return False
    return True


def broker_ready() -> bool:
    """A real connection to the Celery broker (``settings.CELERY_BROKER_URL``, read at each call).
    The embedded mode's in-process transport (``memory://``, no REDIS_URL) is always there."""
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    if not url or url.startswith("memory://"):
        return True
    options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_connect_timeout": BROKER_TIMEOUT,
        "socket_timeout": BROKER_TIMEOUT,
    }
    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT, transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
            if conn.transport.driver_type == "redis":
                # kombu's Redis transport connects lazily: ask the server itself.
                conn.default_channel.client.ping()
    except Exception:  # any failure means "not ready"; the reason goes to the log only
        logger.warning("readiness: the broker does not answer", exc_info=True)
        return False
    return True


@require_safe
@never_cache
def readyz(request):
    """The database and the broker answer (both are asked, so the log names every failure)."""
    database, broker = database_ready(), broker_ready()
    return _answer(200 if database and broker else 503)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthProbeMiddleware:
    """First in ``MIDDLEWARE``: the probes answer before sessions, the HTTPS redirect and the host check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
