"""Community exports in the JSON API (SPEC §6): ``communities/{slug}/export/`` POST starts one
(202, with its id); ``communities/{slug}/exports/{id}/`` GET is its state, progress and, when done,
its ``download`` link (``…/download/``, the package streamed from the private storage, logged).

A community the caller may not see is 404, a visible one they do not own 403; an export that is not
theirs (another community's or another person's) is 404.
"""
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import exports
from ..models import CommunityExport
from ..views.exports import download_response, own_export, owned_community, progress_json

EXPORT_SCHEMA = inline_serializer("CommunityExport", {
    "id": serializers.IntegerField(), "community": serializers.CharField(), "state": serializers.CharField(),
    "done": serializers.IntegerField(), "total": serializers.IntegerField(), "percent": serializers.IntegerField(),
    "text": serializers.CharField(), "status": serializers.CharField(),
    "requested_at": serializers.DateTimeField(), "finished_at": serializers.DateTimeField(allow_null=True),
    "expires_at": serializers.DateTimeField(allow_null=True), "size": serializers.IntegerField(),
    "sha256": serializers.CharField(allow_null=True), "highest_classification": serializers.CharField(allow_null=True),
    "error": serializers.CharField(allow_null=True), "url": serializers.CharField(),
    "download": serializers.CharField(allow_null=True),
})


def export_data(export) -> dict:
    slug = export.community.slug
    done = export.state == CommunityExport.State.DONE and bool(export.file)
    return {
        **progress_json(export),
        "url": reverse("api-community-export", args=[slug, export.pk]),
        "download": reverse("api-community-export-download", args=[slug, export.pk]) if done else None,
    }


class ExportStart(APIView):
    """An owner starts an export of the community (or is given the one already under way)."""

    @extend_schema(request=None, responses={202: EXPORT_SCHEMA})
    def post(self, request, slug):
        community = owned_community(request.user, slug)
        export, _created = exports.export_request(actor=request.user, community=community)
        export.community = community
        return Response(export_data(export), status=status.HTTP_202_ACCEPTED)


class ExportDetail(APIView):
    @extend_schema(responses=EXPORT_SCHEMA)
    def get(self, request, slug, pk):
        community = owned_community(request.user, slug)
        return Response(export_data(own_export(request.user, community, pk)),
                        headers={"Cache-Control": "no-store"})


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This export is not ready for download.")
    default_code = "export_not_ready"


class ExportDownload(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, slug, pk):
        community = owned_community(request.user, slug)
        export = get_object_or_404(
            CommunityExport.objects.visible_to(request.user).filter(community=community).select_related("community"),
            pk=pk,
        )
        if export.state != CommunityExport.State.DONE or not export.file:
            raise NotReady()
        return download_response(request.user, export)
