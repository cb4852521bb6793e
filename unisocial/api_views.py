"""API views shared by every app (SPEC §6): the one base viewset, the JSON 404,
and the current user (``me/`` and ``me/accept-terms/``, SPEC §1, §5).

The two ``me`` views are exempt from the terms gate: they are how a client
learns that the terms must be accepted, and how it accepts them.
"""
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, status, views, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import tokens
from .models import TermsAcceptance, TermsVersion


class MeSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    accepted_terms = serializers.BooleanField(read_only=True)
    is_records_officer = serializers.BooleanField(read_only=True)
    current_terms_version = serializers.CharField(read_only=True, allow_null=True)
    # SPEC §7: the person's own language, blank while they use their browser's.
    language = serializers.CharField(
        read_only=True, help_text="One of settings.LANGUAGES (ar, zh-hans, en, fr, ru, es), or blank."
    )


def me_payload(user) -> dict:
    current = TermsVersion.current()
    return {
        "username": user.username,
        "display_name": user.display_name or user.get_full_name() or user.username,
        "accepted_terms": user.accepted_current_terms,
        "is_records_officer": user.is_records_officer,
        "current_terms_version": current.version if current else None,
        "language": user.language,
    }


class MeView(APIView):
    """The authenticated user: who they are and whether they may use the platform yet."""

    terms_exempt = True

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(me_payload(request.user)).data)


class AcceptTermsView(APIView):
    """Accept the current terms of use (idempotent); answers with the ``me/`` payload."""

    terms_exempt = True

    @extend_schema(request=None, responses=MeSerializer)
    def post(self, request):
        current = TermsVersion.current()
        if current is not None:  # with no terms published there is nothing to accept
            TermsAcceptance.objects.get_or_create(user=request.user, terms=current)
        # accepted_current_terms is a cached_property on the user object.
        request.user.__dict__.pop("accepted_current_terms", None)
        return Response(MeSerializer(me_payload(request.user)).data)


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    days = serializers.ChoiceField(choices=list(tokens.DURATIONS), write_only=True, required=False,
                                   help_text="How many days the token lasts (default API_TOKEN_DEFAULT_DAYS).")
    created = serializers.DateTimeField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True)
    last_used = serializers.DateTimeField(read_only=True, allow_null=True)


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The token itself: shown in this answer only.")


class MyTokensView(APIView):
    """My API tokens (SPEC §7): list them (never the tokens themselves), or create one — its
    text is in the answer to the POST only, and cannot be had again."""

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        from django.utils import timezone

        rows = tokens.owned_by(request.user).filter(expiry__gt=timezone.now())
        return Response(TokenSerializer(rows, many=True).data)

    @extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer})
    def post(self, request):
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, text = tokens.create_token(request.user, serializer.validated_data["name"],
                                        serializer.validated_data.get("days"))
        data = NewTokenSerializer(row).data
        data["token"] = text
        return Response(data, status=status.HTTP_201_CREATED)


class MyTokenView(APIView):
    """Revoke one of my API tokens; an id that is not mine answers 404, like a missing one."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_id):
        if not tokens.revoke(request.user, token_id):
            raise exceptions.NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccessRuleViewSet(viewsets.GenericViewSet):
    """The one base viewset of the API (SPEC §2.4): every row it serves has passed the access rule.

    Subclasses say where to start in ``get_base_queryset`` (annotations,
    ``select_related``); ``get_queryset`` always restricts that with
    ``visible_to(request.user)`` and is not to be overridden, so ``get_object``
    answers the same 404 for a missing and for an invisible row (SPEC §2.2).
    A viewset that names no queryset fails loudly; it never serves unrestricted rows.
    ``compiled_rule = True``: the same rule as SQL compiled once per process
    (``AccessQuerySet.visible_to_compiled``), for a list whose query's base table is the item's.
    """

    compiled_rule = False

    def get_base_queryset(self):
        if self.queryset is None:
            raise NotImplementedError(f"{type(self).__name__}: set queryset or get_base_queryset")
        return self.queryset.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no rows
            return self.get_base_queryset().none()
        if self.compiled_rule:
            return self.get_base_queryset().visible_to_compiled(self.request.user)
        return self.get_base_queryset().visible_to(self.request.user)


class NotFoundView(views.APIView):
    """JSON 404 for any unknown path under /api/v1/ (instead of Django's HTML page)."""

    terms_exempt = True
    permission_classes = []
    authentication_classes = []
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        # No handler methods: every method lands here.
        raise exceptions.NotFound()


class ApiDocsView(SpectacularSwaggerSplitView):
    """``docs/``: Swagger UI of the schema (SPEC §6), behind the same sign-in and terms gate as the
    rest of the API. Its files come from our own static files (drf-spectacular-sidecar); the page
    has no inline script or style (the site's CSP): drf-spectacular's split view serves the
    initialising script as a file of its own (``?script=``), and our template (``api/docs.html``)
    replaces drf-spectacular's inline ``<style>`` with a stylesheet. Errors answer JSON with
    ``detail``, like every API endpoint, whatever the browser asked for."""

    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
    template_name = "api/docs.html"
    url_name = "api-schema"
    title = "unisocial API"

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
