"""Holds in the JSON API (SPEC §4, §6). Records officers only.

``holds/`` GET (``?active=1``), POST; ``holds/{id}/`` GET; ``holds/{id}/release/`` POST.
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from unisocial.api import StrictFieldsMixin

from .. import holds
from ..models import ContentType, Hold
from .common import OFFICERS


class HoldSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    target_type = serializers.ChoiceField(choices=ContentType.choices)
    target_id = serializers.CharField(max_length=80, help_text="The item's id, or a community's slug.")
    reason = serializers.CharField(max_length=2000)
    category = serializers.ChoiceField(choices=Hold.Category.choices, required=False, default=Hold.Category.OTHER)
    community = serializers.SerializerMethodField()
    placed_by = serializers.CharField(source="placed_by.username", read_only=True)
    released_by = serializers.CharField(source="released_by.username", read_only=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Hold
        fields = ["id", "target_type", "target_id", "community", "category", "reason", "placed_by", "placed_at",
                  "is_active", "released_by", "released_at", "release_note"]
        read_only_fields = ["id", "placed_at", "released_at", "release_note"]

    def get_community(self, hold) -> str | None:
        slugs = self.context.get("community_slugs", {})
        return slugs.get(hold.community_id)

    def to_representation(self, hold):
        data = super().to_representation(hold)
        if hold.target_type == ContentType.COMMUNITY:
            data["target_id"] = data["community"]
        else:
            data["target_id"] = hold.target_id
        return data


class HoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = OFFICERS
    serializer_class = HoldSerializer

    def get_queryset(self):
        qs = Hold.objects.select_related("placed_by", "released_by").order_by("-placed_at", "-id")
        active = self.request.query_params.get("active")
        if active in ("1", "true"):
            qs = qs.filter(released_at__isnull=True)
        elif active in ("0", "false"):
            qs = qs.filter(released_at__isnull=False)
        return qs

    def get_serializer_context(self):
        from communities.models import Community

        context = super().get_serializer_context()
        context["community_slugs"] = _LazySlugs(Community)
        return context

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = holds.hold_place(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer("HoldRelease", {"note": serializers.CharField(required=False)}),
        responses=HoldSerializer,
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        hold = self.get_object()
        note = request.data.get("note", "") if hasattr(request.data, "get") else ""
        if not isinstance(note, str):
            raise ValidationError({"note": _("Write the note as text.")})
        hold = holds.hold_release(actor=request.user, hold=hold, note=note)
        return Response(self.get_serializer(hold).data)


class _LazySlugs(dict):
    """community id -> slug, loaded once for all holds a response shows."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.loaded = False

    def get(self, key, default=None):
        if not self.loaded:
            self.update(self.model.objects.values_list("pk", "slug"))
            self.loaded = True
        return super().get(key, default)
