"""Records management in the JSON API (SPEC §4, §6), under /api/v1/records/.

Records officers only (everyone else 403, anonymous 401/403):

* ``schedules/`` GET, POST; ``schedules/{id}/`` GET — retention schedules;
* ``holds/`` GET (``?active=1``), POST; ``holds/{id}/`` GET; ``holds/{id}/release/`` POST;
* ``batches/`` GET; ``batches/{id}/`` GET; ``batches/{id}/items/`` GET (metadata only);
  ``batches/{id}/approve/`` POST; ``batches/{id}/certificate/`` GET (JSON, or CSV
  with ``?format=csv``);
* ``inventory/``, ``stale/``, ``due/`` GET — aggregated report JSON.

For community owners: ``stale/{slug}/still-in-use/`` POST answers a staleness flag.

Every write goes through the records services, whose ``ValidationError`` /
``PermissionDenied`` the project's exception handler turns into 400 / 403.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from communities.selectors import get_community_for
from unisocial.api import StrictFieldsMixin
from unisocial.classification import Level
from unisocial.csv_export import csv_bytes

from . import disposition, holds, reports, staleness
from .audit import audit
from .models import ContentType, Disposition, DispositionBatch, Hold, RetentionSchedule


class IsRecordsOfficer(permissions.BasePermission):
    message = _("Only records officers may use the records reports and actions.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_records_officer)


# The project's defaults (authenticated, terms accepted) and then: a records officer.
OFFICERS = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsRecordsOfficer]


class CSVRenderer(renderers.BaseRenderer):
    """``?format=csv`` on the certificate: one row per disposed item."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict) or "items" not in data:  # an error: keep it readable
            return csv_bytes(["detail"], [[str((data or {}).get("detail", ""))]])
        # The canonical certificate CSV: the same bytes as the records page's download.
        return disposition.certificate_csv_from_rows(data["items"])


# --- schedules -------------------------------------------------------------------------------


class ScheduleSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    content_type = serializers.ChoiceField(choices=ContentType.choices)
    classification = serializers.ChoiceField(choices=Level.choices, allow_null=True, required=False, default=None)
    retain_days = serializers.IntegerField(min_value=1, max_value=365 * 200)
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = RetentionSchedule
        fields = ["id", "name", "content_type", "classification", "retain_days", "disposition", "created_by",
                  "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]
        validators = []  # the (type, level) uniqueness is answered in validate() with a clear message

    def validate(self, attrs):
        attrs = super().validate(attrs)
        same = RetentionSchedule.objects.filter(
            content_type=attrs["content_type"], classification=attrs.get("classification")
        )
        if same.exists():
            raise serializers.ValidationError(
                {"classification": [_("A schedule already covers this content type and level.")]}
            )
        return attrs


class ScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    permission_classes = OFFICERS
    serializer_class = ScheduleSerializer
    queryset = RetentionSchedule.objects.select_related("created_by").order_by("pk")

    def perform_create(self, serializer):
        schedule = serializer.save(created_by=self.request.user)
        audit("schedule_created", actor=self.request.user, target_type="schedule", target_id=schedule.pk,
              content_type=schedule.content_type, classification=schedule.classification,
              retain_days=schedule.retain_days, disposition=schedule.disposition)


# --- holds -----------------------------------------------------------------------------------


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


# --- batches ---------------------------------------------------------------------------------


class BatchSerializer(serializers.ModelSerializer):
    schedule = serializers.IntegerField(source="schedule_id", read_only=True)
    schedule_name = serializers.CharField(source="schedule.name", read_only=True)
    content_type = serializers.CharField(source="schedule.content_type", read_only=True)
    disposition = serializers.CharField(source="schedule.disposition", read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)

    class Meta:
        model = DispositionBatch
        fields = ["id", "schedule", "schedule_name", "content_type", "disposition", "state", "as_of", "gathered_at",
                  "approved_by", "approved_at", "started_at", "finished_at", "total", "done", "disposed", "skipped"]
        read_only_fields = fields


class BatchItemSerializer(serializers.Serializer):
    """Metadata only: type, id, level, community, last activity — never a title or a body."""

    type = serializers.CharField(source="target_type")
    id = serializers.IntegerField(source="target_id")
    classification = serializers.CharField()
    community = serializers.SerializerMethodField()
    last_activity_at = serializers.DateTimeField()
    state = serializers.CharField()

    def get_community(self, item) -> str | None:
        return self.context["community_slugs"].get(item.community_id)


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = OFFICERS
    serializer_class = BatchSerializer
    queryset = DispositionBatch.objects.select_related("schedule", "approved_by").order_by("-gathered_at", "-id")

    @extend_schema(responses=BatchItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        from communities.models import Community

        batch = self.get_object()
        page = self.paginate_queryset(batch.items.order_by("id"))
        slugs = dict(Community.objects.filter(pk__in={i.community_id for i in page}).values_list("pk", "slug"))
        data = BatchItemSerializer(page, many=True, context={"community_slugs": slugs}).data
        return self.get_paginated_response(data)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        batch = disposition.batch_approve(actor=request.user, batch=self.get_object())
        batch = self.get_queryset().get(pk=batch.pk)
        return Response(self.get_serializer(batch).data)

    @extend_schema(responses=inline_serializer("Certificate", {
        "batch": BatchSerializer(), "items": serializers.ListField(child=serializers.DictField()),
    }))
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, CSVRenderer])
    def certificate(self, request, pk=None, format=None):
        batch = self.get_object()
        items = list(disposition.certificate_rows(batch))
        response = Response({"batch": self.get_serializer(batch).data, "items": items})
        if getattr(request.accepted_renderer, "format", "") == "csv":
            response["Content-Disposition"] = f'attachment; filename="disposition-certificate-{batch.pk}.csv"'
        return response


# --- reports ---------------------------------------------------------------------------------


class InventoryReport(APIView):
    permission_classes = OFFICERS

    @extend_schema(responses=inline_serializer("Inventory", {"rows": serializers.ListField()}))
    def get(self, request):
        return Response({"rows": reports.inventory()})


class StaleReport(APIView):
    permission_classes = OFFICERS

    @extend_schema(responses=inline_serializer("Stale", {"rows": serializers.ListField()}))
    def get(self, request):
        return Response({"rows": reports.stale()})


class DueReport(APIView):
    permission_classes = OFFICERS

    @extend_schema(responses=inline_serializer("Due", {"schedules": serializers.ListField(),
                                                       "forecast": serializers.ListField()}))
    def get(self, request):
        return Response(reports.due())


class StillInUse(APIView):
    """An owner answers a staleness flag: the community is still in use."""

    @extend_schema(request=None, responses=inline_serializer("StillInUse", {
        "community": serializers.CharField(), "state": serializers.CharField(),
    }))
    def post(self, request, slug):
        community = get_community_for(request.user, slug)
        review = staleness.community_still_in_use(actor=request.user, community=community)
        return Response({"community": community.slug, "state": review.state})
