"""OpenID Connect sign-in and the provider's back-channel logout (SPEC §7, docs/identity.md).

mozilla-django-oidc does the protocol: the authorization request with state, nonce and PKCE
(S256), the code exchange, the ID token's signature against the provider's JWKS, the userinfo
call. This module adds what the platform needs around it:

* everything answers 404 until the ``OIDC_*`` settings name a provider (``oidc_enabled``);
* accounts are found by the stable (issuer, subject) link (``OIDCIdentity``), created on the first
  sign-in and updated from the claims at each one (``provision``); a false ``OIDC_ACTIVE_CLAIM``
  deactivates the account and refuses the sign-in (``unisocial.accounts.deactivate``);
* the session is signed in through ``UserBackend`` like a password sign-in (so every request loads
  the user the same way and refuses an inactive one), and remembers the provider's ``sid``;
* ``backchannel_logout`` verifies the provider's logout token (OIDC Back-Channel Logout 1.0) and
  ends exactly the sessions it names;
* ``LogoutView`` (``/accounts/logout/``) signs a provider sign-in out of the provider too (RP-Initiated
  Logout 1.0) when ``OIDC_OP_LOGOUT_ENDPOINT`` names its end-session endpoint.
"""
import logging
import re
import secrets
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .accounts import deactivate, end_sessions
from .languages import language_from_claim
from .models import OIDCIdentity, SignIn, User

logger = logging.getLogger("unisocial.security")

# The provider vouched for this sign-in: recorded as such, the second factor is not asked again.
SESSION_BACKEND = "unisocial.auth_backends.ProviderSignInBackend"
REQUIRED_SETTINGS = (
    "OIDC_OP_ISSUER", "OIDC_RP_CLIENT_ID", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT",
)
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
SESSION_SID = "oidc_sid"
# The provider's ID token of this sign-in: the id_token_hint of the RP-initiated logout.
SESSION_ID_TOKEN = "oidc_id_token"


def oidc_enabled() -> bool:
    return all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


def provider_name() -> str:
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or _("your organisation")


# --- claims ----------------------------------------------------------------------------------------


def claims_say_inactive(claims) -> bool:
    value = claims.get(settings.OIDC_ACTIVE_CLAIM, True)
    if isinstance(value, str):
        return value.strip().lower() in ("false", "0", "no")
    return value is False or value == 0


_USERNAME_BAD = re.compile(r"[^\w.@+-]")


def _text(claims, name, default=""):
    value = claims.get(name)
    return value.replace("\x00", "").strip() if isinstance(value, str) else default


def usable_identifier(value) -> bool:
    """Whether a provider's subject or session id can be stored and looked up (at most 255
    characters, no NUL, which PostgreSQL refuses in text)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool) and 0 < len(str(value)) <= 255 \
        and "\x00" not in str(value)


def username_from_claims(claims) -> str:
    name = _text(claims, "preferred_username") or _text(claims, "email").split("@")[0] or str(claims["sub"])
    return _USERNAME_BAD.sub("-", name)[:150] or "user"


def _free_username(wanted, exclude_pk=None):
    taken = User.objects.exclude(pk=exclude_pk)
    candidate, n = wanted, 1
    while taken.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{wanted[:140]}-{n}"
    return candidate


def update_from_claims(user, claims) -> None:
    """The provider's word on the person's names and e-mail; the language only while the person has
    chosen none (the claim is the default, SPEC §7)."""
    fields = {
        "first_name": _text(claims, "given_name", user.first_name)[:150],
        "last_name": _text(claims, "family_name", user.last_name)[:150],
        "display_name": _text(claims, "name", user.display_name)[:150],
        "email": _text(claims, "email", user.email)[:254],
    }
    wanted = username_from_claims(claims)
    if wanted != user.username and not User.objects.exclude(pk=user.pk).filter(username__iexact=wanted).exists():
        fields["username"] = wanted
    if not user.language:
        fields["language"] = language_from_claim(claims.get("locale") if isinstance(claims.get("locale"), str) else "")
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if changed:
        user.save(update_fields=changed)


class SignInRefused(Exception):
    """The provider authenticated the person, but the platform does not let them in."""


def provision(issuer, claims):
    """The account of the person these verified claims describe: found by (issuer, sub), created on
    the first sign-in, updated at each one. Raises SignInRefused for an inactive person."""
    subject = str(claims["sub"])
    inactive = claims_say_inactive(claims)
    with transaction.atomic():
        identity = OIDCIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        if identity is None:
            if inactive:
                raise SignInRefused("inactive claim on first sign-in")
            user = _first_sign_in(issuer, subject, claims)
            identity = user._oidc_identity
        user = identity.user
        if not inactive:
            if not user.is_active:
                raise SignInRefused("account deactivated")
            update_from_claims(user, claims)
            OIDCIdentity.objects.filter(pk=identity.pk).update(last_sign_in_at=timezone.now())
    if inactive:  # outside the transaction above, which the refusal would roll back
        if user.is_active:
            deactivate(user, reason="identity provider claim")
        raise SignInRefused("inactive claim")
    return user


def _first_sign_in(issuer, subject, claims):
    wanted = username_from_claims(claims)
    # A local account of the same name that no provider holds yet is the same person (accounts made
    # before single sign-on); a system manager's break-glass account never is.
    existing = (
        User.objects.filter(username__iexact=wanted, oidc_identities__isnull=True, is_superuser=False, is_staff=False)
        .first()
    )
    if existing is not None:
        user = existing
    else:
        user = User(username=_free_username(wanted))
        user.set_unusable_password()
        user.save()
    try:
        with transaction.atomic():
            user._oidc_identity = OIDCIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError:  # a parallel first sign-in of the same person won
        user._oidc_identity = OIDCIdentity.objects.select_related("user").get(issuer=issuer, subject=subject)
    logger.info("account provisioned", extra={"event": "oidc_provisioned", "user_id": user.pk})
    return user


class Backend(OIDCAuthenticationBackend):
    """Not in AUTHENTICATION_BACKENDS: only the callback view calls it, and the session then loads
    the user through UserBackend."""

    sid = ""
    id_token = ""

    def store_tokens(self, access_token, id_token):
        # Kept by the callback in the signed-in session (after auth.login, which may flush it);
        # the access token is used once, for the userinfo call, and never stored.
        self.id_token = id_token or ""

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims) or str(claims["sub"]) != str(payload.get("sub")):
            raise SuspiciousOperation("userinfo sub differs from the ID token's")  # OIDC Core, section 5.3.2
        if payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        if not usable_identifier(claims["sub"]) or ("sid" in payload and not usable_identifier(payload["sid"])):
            raise SuspiciousOperation("unusable sub or sid")
        self.sid = str(payload.get("sid", ""))
        return provision(settings.OIDC_OP_ISSUER, {**payload, **claims})


# --- views ----------------------------------------------------------------------------------------


class _Enabled:
    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class AuthenticateView(_Enabled, OIDCAuthenticationRequestView):
    """GET /accounts/oidc/authenticate/?next=…: off to the provider (state, nonce, PKCE)."""


class CallbackView(_Enabled, OIDCAuthenticationCallbackView):
    """GET /accounts/oidc/callback/?code=…&state=…: the provider's answer."""

    def get(self, request):
        state = request.GET.get("state")
        states = request.session.get("oidc_states") or {}
        if request.GET.get("error") or not request.GET.get("code") or not state or state not in states:
            # Nothing was exchanged: a forged, stale or replayed callback (a link anyone can send)
            # leaves a signed-in session as it is.
            return self.refuse(_("Signing in with %(provider)s did not succeed. Please try again.")
                               % {"provider": provider_name()}, sign_out=False)
        entry = states.pop(state)
        request.session["oidc_states"] = states
        request.session.save()
        backend = Backend()
        try:
            self.user = backend.authenticate(
                request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
            )
        except SignInRefused as refused:
            logger.warning("sign-in refused", extra={"event": "oidc_refused", "reason": str(refused)})
            return self.refuse(_("Your account is not active. Ask your organisation's service desk."))
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, KeyError, ValueError, TypeError,
                AttributeError) as error:  # whatever a provider's odd answers (a list for a dict) raise
            logger.warning("sign-in failed", extra={"event": "oidc_failed", "reason": str(error)})
            self.user = None
        if self.user is None:
            return self.refuse(_("Signing in with %(provider)s did not succeed. Please try again.")
                               % {"provider": provider_name()})
        next_url = request.session.get("oidc_login_next")
        auth.login(request, self.user, backend=SESSION_BACKEND)
        request.session[SESSION_SID] = backend.sid
        request.session[SESSION_ID_TOKEN] = backend.id_token
        SignIn.objects.filter(session_key=request.session.session_key).update(
            oidc_issuer=settings.OIDC_OP_ISSUER, oidc_sid=backend.sid
        )
        response = HttpResponseRedirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))
        if self.user.language:
            # The person's language from the first page on (the header switch sets the same cookie).
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, self.user.language, max_age=settings.LANGUAGE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE, samesite="Lax", httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        return response

    def refuse(self, message, sign_out=True):
        if sign_out and self.request.user.is_authenticated:
            auth.logout(self.request)
        messages.error(self.request, message)
        return HttpResponseRedirect(reverse("login"))


# --- RP-initiated logout ------------------------------------------------------------------------


def end_session_url(request, id_token):
    """The provider's end-session address for this sign-in (RP-Initiated Logout 1.0, section 2),
    back to the login page afterwards; "" when no end-session endpoint is configured."""
    endpoint = getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "")
    if not (endpoint and id_token and oidc_enabled()):
        return ""
    query = urlencode({
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        "state": secrets.token_urlsafe(24),
    })
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class LogoutView(auth_views.LogoutView):
    """POST /accounts/logout/: the platform's session ends as before; a sign-in through the provider
    then goes on to the provider's end-session endpoint, which ends the person's session there
    (so "Sign in with …" asks for their login again) and comes back to the login page. Its
    back-channel logout to us then finds no session left to end, and answers 200."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(SESSION_ID_TOKEN, "") if request.user.is_authenticated else ""
        response = super().post(request, *args, **kwargs)
        target = end_session_url(request, id_token)
        if target:
            logger.info("rp-initiated logout", extra={"event": "oidc_rp_logout"})
            return HttpResponseRedirect(target)
        return response


# --- back-channel logout -------------------------------------------------------------------------


class InvalidLogoutToken(Exception):
    pass


JWKS_CACHE_SECONDS = 300


def _jwks(refresh=False):
    key = f"oidc-jwks:{settings.OIDC_OP_JWKS_ENDPOINT}"
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        response = requests.get(settings.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        jwks = response.json()
        cache.set(key, jwks, JWKS_CACHE_SECONDS)
    return jwks


def _provider_key(header):
    """The provider's signing key named by the token's kid and alg: its JWKS cached for a few minutes
    (a stream of forged tokens must not become a stream of calls to the provider), fetched again
    once, at most every few minutes, for a kid it does not hold (the provider rotated its keys)."""
    kid, alg = header.get("kid"), header.get("alg")
    for attempt in range(2):
        refresh = attempt == 1
        if refresh and not cache.add(f"oidc-jwks-refetched:{settings.OIDC_OP_JWKS_ENDPOINT}", 1, 60):
            break
        for jwk in _jwks(refresh=refresh).get("keys", []):
            if jwk.get("kid") == kid and jwk.get("alg", alg) == alg and jwk.get("use", "sig") == "sig":
                return jwt.PyJWK(jwk)
    raise InvalidLogoutToken("no such key")


def verify_logout_token(token: str) -> dict:
    """The claims of a logout token the configured provider signed for this client (Back-Channel
    Logout 1.0, section 2.6), or InvalidLogoutToken."""
    try:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg")
        if alg != settings.OIDC_RP_SIGN_ALGO or alg == "none":
            raise InvalidLogoutToken("unexpected alg")
        if header.get("typ") not in (None, "JWT", "logout+jwt"):
            raise InvalidLogoutToken("unexpected typ")
        key = settings.OIDC_RP_CLIENT_SECRET if alg.startswith("HS") else _provider_key(header)
        claims = jwt.decode(
            token, key, algorithms=[alg], audience=settings.OIDC_RP_CLIENT_ID, issuer=settings.OIDC_OP_ISSUER,
            leeway=60, options={"require": ["iss", "aud", "iat", "jti"]},
        )
    except (jwt.PyJWTError, SuspiciousOperation, requests.RequestException, KeyError, ValueError, TypeError,
            AttributeError) as error:
        raise InvalidLogoutToken(str(error) or error.__class__.__name__) from error
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise InvalidLogoutToken("no back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token carries no nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise InvalidLogoutToken("neither sid nor sub")
    if any(name in claims and not usable_identifier(claims[name]) for name in ("sid", "sub", "jti")):
        raise InvalidLogoutToken("unusable sid, sub or jti")
    if not cache.add(f"oidc-logout-jti:{claims['jti']}", 1, timeout=15 * 60):
        raise InvalidLogoutToken("replayed")
    return claims


@csrf_exempt  # a machine's POST from the provider, authenticated by the token's signature
@never_cache
@require_POST
def backchannel_logout(request):
    if not oidc_enabled():
        raise Http404
    try:
        token = request.POST.get("logout_token", "")
    except RequestDataTooBig:
        return JsonResponse({"error": "invalid_request", "error_description": "request too large"}, status=413)
    try:
        claims = verify_logout_token(token)
    except InvalidLogoutToken as error:
        logger.warning("back-channel logout refused", extra={"event": "oidc_logout_refused", "reason": str(error)})
        return JsonResponse({"error": "invalid_request", "error_description": "invalid logout_token"}, status=400)
    issuer = settings.OIDC_OP_ISSUER
    sign_ins = SignIn.objects.filter(oidc_issuer=issuer)
    identity = None
    if claims.get("sub"):
        identity = OIDCIdentity.objects.select_related("user").filter(issuer=issuer, subject=str(claims["sub"])).first()
        sign_ins = sign_ins.filter(user_id=identity.user_id if identity else None)
    if claims.get("sid"):
        sign_ins = sign_ins.filter(oidc_sid=str(claims["sid"]))
    elif identity is not None:
        sign_ins = SignIn.objects.filter(user_id=identity.user_id)  # every session of the person
    ended = end_sessions(sign_ins)
    if identity is not None and settings.OIDC_BACKCHANNEL_DEACTIVATES and identity.user.is_active:
        deactivate(identity.user, reason="identity provider back-channel logout")
    logger.info("back-channel logout", extra={"event": "oidc_logout", "sessions_ended": ended})
    return HttpResponse(status=200, content_type="text/plain")
