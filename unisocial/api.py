"""API foundations shared by every app: the terms gate, errors, strict input.

This module is named in ``REST_FRAMEWORK`` settings, which DRF imports while
``rest_framework.views`` is still loading: it must not import views or
viewsets. The base viewset lives in ``unisocial.api_views``.
"""
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .ratelimits import RateLimited


class TermsNotAccepted(exceptions.PermissionDenied):
    default_detail = _("You must accept the current terms of use (POST /api/v1/me/accept-terms/).")
    default_code = "terms_not_accepted"


class TermsAccepted(permissions.BasePermission):
    """Every API call but ``me/`` and ``me/accept-terms/`` needs the current terms accepted."""

    def has_permission(self, request, view):
        if getattr(view, "terms_exempt", False):
            return True
        user = request.user
        if user and user.is_authenticated and not user.accepted_current_terms:
            raise TermsNotAccepted()
        return True


def exception_handler(exc, context):
    """JSON errors with ``detail`` (and ``code``); Django's validation errors become 400."""
    from rest_framework.views import exception_handler as drf_exception_handler  # see module doc

    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RateLimited):
        # 429 with the service's own words and a Retry-After header (the rate limits, SPEC §3).
        exc = exceptions.Throttled(wait=exc.wait, detail=str(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args or ()))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        data = response.data
        if isinstance(data, dict) and "detail" in data and "code" not in data:
            code = exc.get_codes()
            if isinstance(code, str):
                data["code"] = code
    return response


class StrictFieldsMixin:
    """Refuse keys the serializer does not accept (400), instead of silently ignoring them.

    A client that sends ``slug`` or ``is_archived`` in a PATCH should learn the
    change did not happen, not get a 200 for a write that was dropped.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        initial = getattr(self, "initial_data", None)
        if isinstance(initial, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(initial) - writable)
            if unknown:
                raise exceptions.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
        return attrs
