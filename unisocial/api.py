"""API foundations shared by every app: the terms gate, errors, the base viewset."""
from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.views import exception_handler as drf_exception_handler


class TermsNotAccepted(exceptions.PermissionDenied):
    default_detail = _("You must accept the current terms of use (POST /api/v1/me/accept-terms/).")
    default_code = "terms_not_accepted"


class TermsAccepted(permissions.BasePermission):
    """Every API call but ``me/`` and ``me/accept-terms/`` needs the current terms accepted."""

    def has_permission(self, request, view):
        if getattr(view, "terms_exempt", False):
            return True
        if request.user and request.user.is_authenticated and not request.user.accepted_current_terms:
            raise TermsNotAccepted()
        return True


def exception_handler(exc, context):
    """JSON errors with ``detail`` (and ``code``); Django's validation errors become 400."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
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
