"""Retention schedules and disposition batches in the JSON API (SPEC §4, §6). Records officers only.

* ``schedules/`` GET, POST; ``schedules/{id}/`` GET, PATCH; ``schedules/{id}/history/`` GET —
  retention schedules and their history (services: ``records.schedules``);
* ``batches/`` GET; ``batches/{id}/`` GET; ``batches/{id}/items/`` GET (metadata only);
  ``batches/{id}/approve/`` POST; ``batches/{id}/certificate/`` GET (JSON, or CSV
  with ``?format=csv``).
"""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from unisocial.api import StrictFieldsMixin
from unisocial.classification import Level
from unisocial.csv_export import csv_bytes

from .. import disposition, schedules
from ..models import ContentType, Disposition, DispositionBatch, RetentionSchedule
from .common import OFFICERS


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
    """Types only; the rules (one schedule per type and level, limits) are ``records.schedules``'."""

    content_type = serializers.ChoiceField(choices=ContentType.choices)
    classification = serializers.ChoiceField(choices=Level.choices, allow_null=True, required=False, default=None)
    retain_days = serializers.IntegerField(min_value=1, max_value=schedules.MAX_RETAIN_DAYS)
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    authority = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    justification = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    restore_days = serializers.IntegerField(min_value=1, max_value=schedules.MAX_RESTORE_DAYS, required=False,
                                            default=schedules.DEFAULT_RESTORE_DAYS)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = RetentionSchedule
        fields = ["id", *schedules.FIELDS, "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]
        validators = []  # the (type, level) uniqueness is the service's, with a clear message


class ScheduleChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ScheduleVersionSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    changes = ScheduleChangeSerializer(many=True)


class ScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """``schedules/`` GET, POST; ``schedules/{id}/`` GET, PATCH; ``schedules/{id}/history/`` GET.

    Records officers only (403 for everyone else, before any lookup, so a missing id is 404
    only to an officer). Every write goes through ``records.schedules``.
    """

    permission_classes = OFFICERS
    serializer_class = ScheduleSerializer
    queryset = RetentionSchedule.objects.select_related("created_by").order_by("pk")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        data = getattr(response, "data", None)
        if response.status_code == 400 and isinstance(data, dict) and "detail" not in data:
            # Errors are JSON with ``detail`` (SPEC §6), the fields' own messages beside it.
            messages = [str(m) for value in data.values() for m in (value if isinstance(value, list) else [value])]
            response.data = {"detail": " ".join(messages), **data}
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule = schedules.schedule_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(schedule).data, status=201)

    def partial_update(self, request, *args, **kwargs):
        schedule = self.get_object()
        serializer = self.get_serializer(schedule, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        schedule = schedules.schedule_update(actor=request.user, schedule=schedule, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=schedule.pk)).data)

    @extend_schema(responses=ScheduleVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        versions = [
            {**version, "changes": [{k: c[k] for k in ("field", "old", "new")} for c in version["changes"]]}
            for version in schedules.schedule_history(self.get_object())
        ]
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(ScheduleVersionSerializer(page, many=True).data)


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
