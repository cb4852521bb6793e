"""Stale communities in the JSON API (SPEC §4, §6): ``stale/`` GET, the records officers'
report; ``stale/{slug}/still-in-use/`` POST, a community owner answers a staleness flag."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.selectors import get_community_for

from .. import reports, staleness
from .common import OFFICERS


class StaleReport(APIView):
    permission_classes = OFFICERS

    @extend_schema(responses=inline_serializer("Stale", {"rows": serializers.ListField()}))
    def get(self, request):
        return Response({"rows": reports.stale()})


class StillInUse(APIView):
    """An owner answers a staleness flag: the community is still in use."""

    @extend_schema(request=None, responses=inline_serializer("StillInUse", {
        "community": serializers.CharField(), "state": serializers.CharField(),
    }))
    def post(self, request, slug):
        community = get_community_for(request.user, slug)
        review = staleness.community_still_in_use(actor=request.user, community=community)
        return Response({"community": community.slug, "state": review.state})
