"""Request gates: security headers, the session idle timeout, and the terms-of-use gate (SPEC §1, §5)."""
import time
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Paths reachable before the current terms are accepted.
TERMS_EXEMPT_PREFIXES = ("/terms/", "/policies/", "/accounts/", "/static/", "/i18n/", "/jsi18n/", "/api/")


class SecurityHeadersMiddleware:
    """Content-Security-Policy: the second line of defence behind the sanitizer (SPEC §2.3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class SessionIdleRefreshMiddleware:
    """The idle timeout (``SESSION_IDLE_TIMEOUT``): each request of a signed-in session moves its
    expiry ``SESSION_COOKIE_AGE`` seconds ahead — but writes the session at most once every
    ``SESSION_REFRESH_SECONDS`` (default 60), instead of on every request as
    ``SESSION_SAVE_EVERY_REQUEST`` would (an UPDATE and a COMMIT on every page and API call).
    A session therefore ends between ``AGE - REFRESH`` and ``AGE`` seconds after its last
    request: never later than the timeout. Sits right after ``SessionMiddleware``, which
    saves a modified session and renews its cookie on the way out."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and not session.modified:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response


class TermsAcceptanceMiddleware:
    """Until the current terms are accepted every page redirects to /terms/.

    The API is gated by ``unisocial.api.TermsAccepted`` instead (403
    ``terms_not_accepted``), because token authentication happens in the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(TERMS_EXEMPT_PREFIXES)
            and not user.accepted_current_terms
        ):
            if request.headers.get("accept", "").startswith("application/json"):
                return JsonResponse(
                    {"detail": _("You must accept the terms of use."), "code": "terms_not_accepted"},
                    status=403,
                )
            return redirect(f"/terms/?next={request.get_full_path()}")
        return self.get_response(request)


DRAFT_PUBLISHED_COOKIE = "unisocial_draft_published"
# Where a POST is sent when it did not land: sign-in (an expired session) and the terms gate.
NOT_LANDED_PREFIXES = ("/accounts/", "/terms/")


class DraftPublishedMiddleware:
    """A local draft (static/js/src/drafts.js) is forgotten when the server has the text, not when
    the form is sent (SPEC §2.3): after a form's POST that succeeded — a redirect that is not to
    sign-in or the terms — a short-lived cookie names the person and the form's address, and
    static/js/drafts-clear.js, on the next page, removes that draft and the cookie. A publish that
    meets an expired session (30 minutes idle) keeps its draft for after signing in again.

    The cookie says only the form's address, to the browser that sent it; JavaScript reads it, so
    it is not HttpOnly (it is Secure like the session's, SameSite=Lax, two minutes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code in (301, 302, 303)
            and request.user.is_authenticated
            and "preview" not in request.POST
            and not urlsplit(response.get("Location", "")).path.startswith(NOT_LANDED_PREFIXES)
        ):
            response.set_cookie(
                DRAFT_PUBLISHED_COOKIE,
                quote(f"{request.user.pk}:{request.get_full_path()}", safe=""),
                max_age=120,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=False,
                samesite="Lax",
            )
        return response
