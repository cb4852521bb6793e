"""API tokens (SPEC §7): hashed at rest, expiring, created, listed and revoked by their owner only.

django-rest-knox does the hashing and the expiry; here are the durations an owner may choose, the
owner's own rows, and the authentication class that also notes when a token was last used.
The token itself is returned once, by ``create_token``, and never stored nor shown again.
"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication

from .models import ApiToken

# What an owner may choose, in days; the first is offered by default (settings.API_TOKEN_DEFAULT_DAYS).
DURATIONS = {
    7: _("7 days"),
    30: _("30 days"),
    90: _("90 days"),
    365: _("1 year"),
}
# A token's "last used" is written at most this often (not on every request).
LAST_USED_EVERY = timedelta(minutes=1)


def duration_choices():
    return [(days, label) for days, label in DURATIONS.items()]


def default_days() -> int:
    days = settings.API_TOKEN_DEFAULT_DAYS
    return days if days in DURATIONS else 30


def owned_by(user):
    """The tokens of ``user`` — the only rows anyone is ever shown or may revoke."""
    return ApiToken.objects.visible_to(user)


def create_token(user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the token's text, which is never available again."""
    days = days if days in DURATIONS else default_days()
    return ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name)


def revoke(user, token_id) -> bool:
    """Delete ``user``'s token ``token_id``; False when they have no such token (another's included)."""
    deleted, _rows = owned_by(user).filter(pk=token_id).delete()
    return bool(deleted)


class ApiTokenAuthentication(TokenAuthentication):
    """Knox's ``Authorization: Token <token>`` (expired tokens deleted, inactive people refused),
    noting when each token was last used."""

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
            auth_token.last_used = now
        return user, auth_token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's word for it (drf-spectacular): ``Authorization: Token <token>``, as DRF's was."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API token (/settings/tokens/), with the prefix "Token ".',
        }
