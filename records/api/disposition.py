"""Retention schedules and disposition batches in the JSON API (SPEC §4, §6). Records officers only.

* ``schedules/`` GET, POST; ``schedules/{id}/`` GET, PATCH; ``schedules/{id}/history/`` GET —
  retention schedules and their history (services: ``records.schedules``);
* ``batches/`` GET; ``batches/{id}/`` GET (with ``communities`` and each one's
  confirmation); ``batches/{id}/items/`` GET (metadata only);
  ``batches/{id}/confirm/`` POST — the office of record of one community (an active
  owner of it, or a records officer where it has none): ``community`` (slug), optional
  ``withhold`` (list of ``target_type``, ``target_id``, ``reason``);
  ``batches/{id}/approve/`` POST (``confirm``: the batch id retyped) — 409 with
  ``detail`` until every community confirmed, or when the approver confirmed in it;
  ``batches/{id}/certificate/`` GET — the stored certificate (JSON, or its CSV with
  ``?format=csv``), 404 before it is issued;
* ``quarantine/`` GET; ``quarantine/{target_type}/{id}/restore/`` POST.
"""
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from communities.models import Community
from unisocial.api import StrictFieldsMixin
from unisocial.classification import Level
from unisocial.csv_export import csv_bytes

from .. import disposition, quarantine, schedules
from ..models import BatchItem, Certificate, ContentType, Disposition, DispositionBatch, RetentionSchedule
from .common import OFFICERS


class CSVRenderer(renderers.BaseRenderer):
    """``?format=csv`` on the certificate: one row per disposed item."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray | memoryview):  # the stored certificate's CSV, as issued
            return bytes(data)
        if not isinstance(data, dict) or "items" not in data:  # an error: keep it readable
            return csv_bytes(["detail"], [[str((data or {}).get("detail", ""))]])
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


def conflict(exc: disposition.BatchConflict) -> Response:
    return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)


class BatchSerializer(serializers.ModelSerializer):
    schedule = serializers.IntegerField(source="schedule_id", read_only=True)
    disposition = serializers.CharField(source="frozen_disposition", read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)
    item_count = serializers.IntegerField(source="total", read_only=True)
    communities = serializers.SerializerMethodField()
    certificate_issued = serializers.SerializerMethodField()

    class Meta:
        model = DispositionBatch
        fields = ["id", "schedule", "schedule_name", "content_type", "disposition", "retain_days", "restore_days",
                  "state", "as_of", "gathered_at", "communities", "item_count", "approved_by", "approved_at",
                  "started_at", "finished_at", "total", "done", "disposed", "skipped", "certificate_issued"]
        read_only_fields = fields

    def get_communities(self, batch) -> list[dict]:
        return [
            {"community": c.community_slug, "confirmed": c.confirmed_at is not None,
             "confirmed_by": c.confirmed_by.username if c.confirmed_by else None,
             "confirmed_at": c.confirmed_at, "by_records_officer": c.by_records_officer}
            for c in batch.communities.all()
        ]

    def get_certificate_issued(self, batch) -> bool:
        return Certificate.objects.filter(batch=batch).exists()


class BatchItemSerializer(serializers.Serializer):
    """Metadata only: type, id, level, community, last activity — never a title or a body."""

    type = serializers.CharField(source="target_type")
    id = serializers.IntegerField(source="target_id")
    classification = serializers.CharField()
    community = serializers.SerializerMethodField()
    disposition = serializers.CharField()
    last_activity_at = serializers.DateTimeField()
    state = serializers.CharField()
    reason = serializers.CharField()
    purge_after = serializers.DateTimeField()

    def get_community(self, item) -> str | None:
        return self.context["community_slugs"].get(item.community_id)


class WithholdSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=ContentType.choices)
    target_id = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)


class ConfirmSerializer(StrictFieldsMixin, serializers.Serializer):
    community = serializers.SlugField(max_length=80)
    withhold = WithholdSerializer(many=True, required=False, default=list)


class ApproveSerializer(StrictFieldsMixin, serializers.Serializer):
    confirm = serializers.CharField(max_length=20, help_text="The batch id, retyped.")


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = OFFICERS
    serializer_class = BatchSerializer
    queryset = (
        DispositionBatch.objects.select_related("approved_by")
        .prefetch_related("communities__confirmed_by").order_by("-gathered_at", "-id")
    )

    def get_permissions(self):
        if self.action == "confirm":  # the office of record: an owner, or a records officer
            return [p() for p in api_settings.DEFAULT_PERMISSION_CLASSES]
        return super().get_permissions()

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "confirm" and not self.request.user.is_records_officer:
            # An owner sees only the batches holding items of a community they own; others: 404.
            return qs.filter(pk__in=disposition.batches_confirmable_by(self.request.user).values("pk"))
        return qs

    @extend_schema(responses=BatchItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        batch = self.get_object()
        page = self.paginate_queryset(batch.items.order_by("id"))
        slugs = dict(batch.communities.values_list("community_id", "community_slug"))
        data = BatchItemSerializer(page, many=True, context={"community_slugs": slugs}).data
        return self.get_paginated_response(data)

    @extend_schema(request=ConfirmSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        batch = self.get_object()
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data["community"]
        entry = batch.communities.filter(community_slug=slug).first()
        visible = Community.objects.visible_to(request.user).filter(slug=slug).exists()
        if entry is None or not (visible or request.user.is_records_officer):
            raise Http404  # not in this batch, or a community this person may not see
        try:
            disposition.batch_confirm(actor=request.user, batch=batch, community_slug=slug,
                                      withhold=data.validated_data["withhold"])
        except disposition.BatchConflict as exc:
            return conflict(exc)
        batch = DispositionBatch.objects.prefetch_related("communities__confirmed_by").get(pk=batch.pk)
        return Response(BatchSerializer(batch).data)

    @extend_schema(request=ApproveSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        batch = self.get_object()
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            batch = disposition.batch_approve(actor=request.user, batch=batch, confirm=data.validated_data["confirm"])
        except disposition.BatchConflict as exc:
            return conflict(exc)
        batch = self.get_queryset().get(pk=batch.pk)
        return Response(self.get_serializer(batch).data)

    @extend_schema(responses=inline_serializer("Certificate", {
        "batch": serializers.IntegerField(), "issued_at": serializers.DateTimeField(),
        "sha256": serializers.CharField(), "schedule": serializers.CharField(),
        "disposition": serializers.CharField(), "approved_by": serializers.CharField(),
        "confirmations": serializers.ListField(child=serializers.DictField()),
        "items": serializers.ListField(child=serializers.DictField()),
    }))
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, CSVRenderer])
    def certificate(self, request, pk=None, format=None):
        batch = self.get_object()
        certificate = Certificate.objects.filter(batch=batch).first()
        if certificate is None:
            raise Http404(_("The certificate is issued when the last item of the batch is purged or skipped."))
        if getattr(request.accepted_renderer, "format", "") == "csv":
            # The stored bytes, never recomputed: their SHA-256 is the certificate's.
            response = Response(bytes(certificate.csv))
            response["Content-Disposition"] = f'attachment; filename="disposition-certificate-{batch.pk}.csv"'
            return response
        return Response({
            "batch": batch.pk, "issued_at": certificate.issued_at, "sha256": certificate.sha256,
            "schedule": certificate.schedule_name, "disposition": certificate.disposition,
            "approved_by": certificate.approved_by_username, "confirmations": certificate.confirmations,
            "items": certificate.rows,
        })


# --- quarantine ------------------------------------------------------------------------------


class QuarantineItemSerializer(serializers.Serializer):
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    classification = serializers.CharField()
    community = serializers.SerializerMethodField()
    batch = serializers.IntegerField(source="batch_id")
    disposition = serializers.CharField()
    quarantined_at = serializers.DateTimeField()
    purge_after = serializers.DateTimeField()

    def get_community(self, item) -> str | None:
        return self.context["community_slugs"].get(item.community_id)


class QuarantineList(generics.ListAPIView):
    """Items disposed of and not yet purged, with their purge date (records officers)."""

    permission_classes = OFFICERS
    serializer_class = QuarantineItemSerializer

    def get_queryset(self):
        return quarantine.quarantined_items()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        slugs = dict(Community.objects.filter(pk__in={i.community_id for i in page}).values_list("pk", "slug"))
        return self.get_paginated_response(
            QuarantineItemSerializer(page, many=True, context={"community_slugs": slugs}).data
        )


class QuarantineRestore(APIView):
    permission_classes = OFFICERS

    @extend_schema(request=None, responses=QuarantineItemSerializer)
    def post(self, request, target_type, target_id):
        if target_type not in ContentType.values:
            raise Http404
        item = quarantine.quarantine_restore(actor=request.user, target_type=target_type, target_id=target_id)
        item = BatchItem.objects.get(pk=item.pk)
        slugs = dict(Community.objects.filter(pk=item.community_id).values_list("pk", "slug"))
        return Response({**QuarantineItemSerializer(item, context={"community_slugs": slugs}).data,
                         "state": item.state})
