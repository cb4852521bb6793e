"""Deprovisioning (SPEC §7): a person the identity provider disables loses access at once.

``deactivate`` is the one place that does it — the sign-in claim, the back-channel logout (when
OIDC_BACKCHANNEL_DEACTIVATES) and the SCIM endpoint all call it. Their content stays with its
community (SPEC §4): nothing is deleted but the person's ways in.

Every sign-in records its session key (``SignIn``, by the ``user_logged_in`` receiver) so that the
person's sessions can be ended whatever the session engine; a session from before that record is
refused all the same at its next request (``UserBackend.get_user`` refuses inactive users).
"""
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver

from .models import ApiToken, SignIn, User

logger = logging.getLogger("unisocial.security")


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(sign_ins) -> int:
    """End the sessions of these ``SignIn`` rows (a queryset) and forget the rows; how many."""
    store = _session_store()
    keys = list(sign_ins.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete(key)
    SignIn.objects.filter(session_key__in=keys).delete()
    return len(keys)


def deactivate(user, *, reason: str) -> None:
    """Deactivate ``user`` and take away every way in: sessions and API tokens. Idempotent."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        ended = end_sessions(SignIn.objects.filter(user=user))
        # The person's API tokens (django-rest-knox, unisocial.ApiToken).
        ApiToken.objects.filter(user=user).delete()
    logger.warning(
        "account deactivated",
        extra={"event": "account_deactivated", "user_id": user.pk, "reason": reason, "sessions_ended": ended},
    )


def reactivate(user, *, reason: str) -> None:
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    logger.warning("account reactivated", extra={"event": "account_reactivated", "user_id": user.pk, "reason": reason})


@receiver(user_logged_in, dispatch_uid="unisocial.accounts.record_sign_in")
def record_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        session.save()
    SignIn.objects.update_or_create(session_key=session.session_key, defaults={"user": user})
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        # Forget the person's sign-ins whose sessions ended by themselves (expired, or cleared).
        from django.contrib.sessions.models import Session
        from django.utils import timezone

        live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        SignIn.objects.filter(user=user).exclude(session_key=session.session_key).exclude(
            session_key__in=live
        ).delete()


@receiver(user_logged_out, dispatch_uid="unisocial.accounts.forget_sign_in")
def forget_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        SignIn.objects.filter(session_key=session.session_key).delete()
