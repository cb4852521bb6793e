"""A SCIM-style deprovisioning endpoint (RFC 7644 section 3.5.2, the part a provider needs to disable a
person): ``PATCH /scim/v2/Users/<id>`` with ``{"active": false}``.

``<id>`` is the person's subject at the configured issuer (SCIM ``externalId``) or their username;
only accounts the provider holds (an ``OIDCIdentity``) are reachable: a local break-glass account
is not the provider's to disable. The caller proves itself with ``Authorization: Bearer
<OIDC_DEPROVISION_TOKEN>``, compared in constant time, before anything is looked up, so an unknown
id and a known one answer an unauthorized caller alike; with no secret configured the route is 404.
"""
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .accounts import deactivate, reactivate
from .models import OIDCIdentity

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
CONTENT_TYPE = "application/scim+json"


def _error(status, detail, scim_type=None):
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


class BadPatch(ValueError):
    pass


def requested_active(body) -> bool:
    """The ``active`` value a PATCH asks for: a PatchOp (``replace`` of ``active``, by path or in a
    value object) or the plain ``{"active": false}``."""
    if not isinstance(body, dict):
        raise BadPatch("The body must be a JSON object.")
    if "Operations" not in body:
        if set(body) - {"schemas", "active"} or not isinstance(body.get("active"), bool):
            raise BadPatch('Send {"active": false} or a PatchOp replacing "active".')
        return body["active"]
    operations = body["Operations"]
    if PATCH_SCHEMA not in (body.get("schemas") or []) or not isinstance(operations, list) or len(operations) != 1:
        raise BadPatch(f"A PatchOp names the schema {PATCH_SCHEMA} and holds one operation.")
    op = operations[0]
    if not isinstance(op, dict) or str(op.get("op", "")).lower() != "replace":
        raise BadPatch('Only the "replace" operation is supported.')
    value = op.get("value")
    if op.get("path") is not None:
        if op["path"] != "active":
            raise BadPatch('Only the "active" attribute can be changed.')
    elif isinstance(value, dict) and set(value) == {"active"}:
        value = value["active"]
    else:
        raise BadPatch('Only the "active" attribute can be changed.')
    if isinstance(value, str) and value.lower() in ("true", "false"):  # some providers send strings
        value = value.lower() == "true"
    if not isinstance(value, bool):
        raise BadPatch('"active" must be true or false.')
    return value


def _authorized(request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return scheme.lower() == "bearer" and constant_time_compare(secret.strip(), settings.OIDC_DEPROVISION_TOKEN)


def _resource(identity):
    user = identity.user
    return {
        "schemas": [USER_SCHEMA],
        "id": user.username,
        "externalId": identity.subject,
        "userName": user.username,
        "active": user.is_active,
        "meta": {"resourceType": "User"},
    }


@csrf_exempt  # a machine's call, authenticated by its bearer secret
@never_cache
def user(request, ident):
    if not getattr(settings, "OIDC_DEPROVISION_TOKEN", ""):
        raise Http404
    if not _authorized(request):
        return _error(401, "Authentication required.")
    if request.method != "PATCH":
        response = _error(405, "Only PATCH is supported.")
        response["Allow"] = "PATCH"
        return response
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "The body is too large.")
    try:
        # ValueError: not JSON (JSONDecodeError), or an integer of thousands of digits;
        # RecursionError: arrays nested thousands deep.
        active = requested_active(json.loads(body or b"null"))
    except BadPatch as bad:
        return _error(400, str(bad), "invalidValue")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, "The body is not JSON.", "invalidSyntax")
    if "\x00" in ident or len(ident) > 255:  # no subject or username holds one (PostgreSQL refuses NUL)
        return _error(404, "No such user.")
    identities = OIDCIdentity.objects.select_related("user").filter(issuer=settings.OIDC_OP_ISSUER)
    identity = identities.filter(subject=ident).first() or identities.filter(user__username=ident).first()
    if identity is None:
        return _error(404, "No such user.")
    if not active and identity.user.is_active:
        deactivate(identity.user, reason="SCIM deactivation")
    elif active and not identity.user.is_active:
        reactivate(identity.user, reason="SCIM reactivation")
    return JsonResponse(_resource(identity), content_type=CONTENT_TYPE)
