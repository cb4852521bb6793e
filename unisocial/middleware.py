"""Request gates: security headers, the session idle timeout, and the terms-of-use gate (SPEC §1, §5)."""

import time
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

# Paths reachable before the current terms are accepted (/scim/: the identity provider's machine calls).
TERMS_EXEMPT_PREFIXES = ("/terms/", "/policies/", "/accounts/", "/static/", "/i18n/", "/jsi18n/", "/api/", "/scim/")


def content_security_policy() -> str:
    """The site's policy; with an end-session endpoint configured (OIDC_OP_LOGOUT_ENDPOINT), the
    sign-out form may also go on to the provider's origin: browsers hold the redirect after a form's
    POST to form-action too (docs/identity.md, RP-initiated logout)."""
    policy = settings.CONTENT_SECURITY_POLICY
    endpoint = getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "")
    if endpoint and "form-action 'self'" in policy:
        parts = urlsplit(endpoint)
        if parts.scheme in ("https", "http") and parts.netloc and not any(c in parts.netloc for c in " ;,'"):
            policy = policy.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")
    return policy


class SecurityHeadersMiddleware:
    """Content-Security-Policy: the second line of defence behind the sanitizer (SPEC §2.3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
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


# Reachable before the second factor: its own pages, signing in again or out, and the files they use.
SECOND_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/otp/",
    "/accounts/login/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/jsi18n/",
)


def needs_second_factor(request) -> bool:
    """Whether this session is a system manager's, signed in with a password, not yet past the
    second factor (SPEC §7). Fails closed: any sign-in counts as a password one except through a
    backend named in ``SECOND_FACTOR_EXEMPT_BACKENDS`` (the identity provider's, whose own factors
    hold). Off only where ``SECOND_FACTOR_REQUIRED`` is (the test settings)."""
    user = getattr(request, "user", None)
    if not settings.SECOND_FACTOR_REQUIRED or user is None or not user.is_authenticated or not user.is_superuser:
        return False
    if getattr(user, "is_verified", None) and user.is_verified():
        return False
    from django.contrib.auth import BACKEND_SESSION_KEY

    backend = request.session.get(BACKEND_SESSION_KEY, "") if hasattr(request, "session") else ""
    return backend not in settings.SECOND_FACTOR_EXEMPT_BACKENDS


class SecondFactorMiddleware:
    """Until a system manager's session has passed the second factor it reaches no page, no admin
    site and no API call: pages redirect to the code page (``/accounts/otp/``, which sends one with
    no authenticator yet to enrol one), the API answers 403 ``second_factor_required``. After
    ``django_otp.middleware.OTPMiddleware``, which says whether the session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(SECOND_FACTOR_EXEMPT_PREFIXES) and needs_second_factor(request):
            if request.path.startswith("/api/") or request.headers.get("accept", "").startswith("application/json"):
                return JsonResponse(
                    {
                        "detail": _("Confirm your sign-in with a code from your authenticator app first."),
                        "code": "second_factor_required",
                    },
                    status=403,
                )
            return redirect(f"/accounts/otp/?next={quote(request.get_full_path(), safe='/')}")
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


class PersonLanguageMiddleware:
    """A signed-in person reads the site in their own language (SPEC §7): ``User.language`` when
    they have chosen one (profile, header switch, the identity provider's claim), else what
    ``LocaleMiddleware`` chose before (the language cookie, then the browser's Accept-Language).
    After ``AuthenticationMiddleware``; anonymous pages keep the cookie and browser choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


# Endpoints for machines that answer bad input in their own protocol's words (tests/identity):
# the OpenID Connect callback and back-channel logout, and SCIM.
OWN_BAD_INPUT_ANSWERS = ("/accounts/oidc/", "/scim/")


class NulCharacterMiddleware:
    """A NUL character anywhere in the address (a query parameter's name or value, a path segment
    such as ``<str:username>``) answers 400 with a clear message before any view reads it (bad input
    gets a clear error and changes nothing). PostgreSQL refuses NUL in text, so a NUL that reached a
    query would be a 500. Bodies are not read here: forms and the API's serializers refuse NUL in
    their own fields (Django's and DRF's character fields), and the views that parse a body
    themselves answer its errors (a 413 for a body that is too large)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OWN_BAD_INPUT_ANSWERS):
            return self.get_response(request)
        if _has_nul(request):
            message = _("The address contains a character that is not allowed (NUL). Remove it and try again.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "bad_request.html", {"message": message}, status=400)
        return self.get_response(request)
