"""Structured logs (SPEC §8): one JSON object per line, each with the request id, the user id and the
Celery task id; security events named by an ``event`` field.

* ``RequestContextMiddleware`` gives each request an id — the ``X-Request-ID`` header when it is sane
  (a proxy's or a load balancer's), otherwise a new one — echoes it in the response's
  ``X-Request-ID`` and logs one ``unisocial.request`` line per request (method, route, status, time).
  It also logs the security event ``item_refused``: a 404 on a route that names an item or a
  community (the access rule answers "not there" for what one may not see, SPEC §2.2).
* ``ContextFilter`` (on the console handler, settings ``LOGGING``) adds ``request_id``, ``user_id``
  and ``task_id`` to every record: the request's (read, never loaded: logging runs no query) and the
  Celery task's running in this thread.
* ``JsonFormatter``: python-json-logger's, without the objects Django attaches to some records.
* ``security_event`` logs on ``unisocial.security``; ``unisocial.security_log`` connects the
  sign-in signals (failed logins, lockouts) and posts' access log calls it for strictly
  confidential reads (``confidential_read``).

``LOG_FORMAT`` chooses ``json`` (the default with ``DEBUG=False``) or ``text`` (with ``DEBUG``).
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id from outside may be: a UUID, a hex or base64 trace id, a proxy's "Root=1-…".
# Nothing that could break a log line or a header (spaces, quotes, control characters), not too long.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")
# URL keywords that name an item or a community: a 404 there is the access rule's "not yours".
ITEM_KWARGS = frozenset(
    {"id", "pk", "page", "slug", "comment_id", "comment_pk", "attachment_pk", "object_id", "target_id", "target_type"}
)

_request: ContextVar = ContextVar("unisocial_request", default=None)
_request_id: ContextVar = ContextVar("unisocial_request_id", default=None)

requests_logger = logging.getLogger("unisocial.request")
security_logger = logging.getLogger("unisocial.security")


def current_request_id() -> str | None:
    return _request_id.get()


def _loaded_user_id(request):
    """The signed-in user's id if the request already knows who it is; never a query."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # AuthenticationMiddleware's lazy object
    if wrapped is None or wrapped is empty:  # not loaded yet: leave it so
        return None
    if not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


def current_task_id():
    from celery import current_task

    return current_task.request.id if current_task else None


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``task_id`` to every record (None where there is none);
    a value the caller gave (``extra``) is kept."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        if not hasattr(record, "user_id"):
            request = _request.get()
            try:
                record.user_id = _loaded_user_id(request) if request is not None else None
            except Exception:  # a log line must never fail the request
                record.user_id = None
        if not hasattr(record, "task_id"):
            try:
                record.task_id = current_task_id()
            except Exception:
                record.task_id = None
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter; the request and socket objects Django attaches to
    ``django.request`` and ``django.server`` records are left out (a request's repr carries its
    query string)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)


def security_event(event: str, message: str, level: int = logging.WARNING, **fields) -> None:
    """One security event, ``event`` naming its kind (``login_failed``, ``item_refused`` …)."""
    security_logger.log(level, message, extra={"event": event, **fields})


def _request_id_of(request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Early in ``MIDDLEWARE``: every log line of the request carries its id and its user's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id_of(request)
        # Kept until the response is closed (``request_finished``, below): Django logs a 4xx or 5xx
        # answer ("Not Found: …") after the middleware has returned.
        _request.set(request)
        _request_id.set(request.request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        self._log(request, response, started)
        return response

    def _log(self, request, response, started):
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else None
        if response.status_code == 404 and match is not None:
            named = {k: str(v) for k, v in match.kwargs.items() if k in ITEM_KWARGS}
            if named:
                security_event(
                    "item_refused",
                    "refused: no such item for this user",
                    method=request.method,
                    route=route,
                    target=named,
                )
        if not getattr(settings, "LOG_REQUESTS", True):
            return
        requests_logger.info(
            "%s %s %s",
            request.method,
            route or "(no route)",
            response.status_code,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )


@receiver(request_finished, dispatch_uid="unisocial.log.forget_request")
def forget_request(**kwargs):
    """The response is closed: what is logged from now on belongs to no request."""
    _request.set(None)
    _request_id.set(None)
