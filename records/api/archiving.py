"""Archiving and un-archiving communities in the JSON API (SPEC §4): records officers only.

``records/communities/{slug}/archive/`` and ``…/unarchive/`` POST ``{"reason": "…"}``; the
service (``records.archiving``) refuses (400 with the message) what is already so, and writes
the records audit log row. An unknown slug is 404 (records officers act on any community)."""
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.models import Community

from .. import archiving
from .common import OFFICERS


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


RESULT = inline_serializer("ArchiveResult", {
    "community": serializers.CharField(), "is_archived": serializers.BooleanField(),
    "archived_at": serializers.DateTimeField(allow_null=True),
})


class _ArchiveAction(APIView):
    permission_classes = OFFICERS
    service = None

    @extend_schema(request=ReasonSerializer, responses=RESULT)
    def post(self, request, slug):
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise Http404
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        community = self.service(actor=request.user, community=community, reason=data.validated_data["reason"])
        return Response({"community": community.slug, "is_archived": community.is_archived,
                         "archived_at": community.archived_at})


class ArchiveCommunity(_ArchiveAction):
    service = staticmethod(archiving.community_archive)


class UnarchiveCommunity(_ArchiveAction):
    service = staticmethod(archiving.community_unarchive)
