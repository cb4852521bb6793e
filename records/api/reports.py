"""The records officers' aggregated reports in the JSON API (SPEC §4, §6): ``inventory/``, ``due/``."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import reports
from .common import OFFICERS


class InventoryReport(APIView):
    permission_classes = OFFICERS

    @extend_schema(responses=inline_serializer("Inventory", {"rows": serializers.ListField()}))
    def get(self, request):
        return Response({"rows": reports.inventory()})


class DueReport(APIView):
    permission_classes = OFFICERS

    @extend_schema(responses=inline_serializer("Due", {"schedules": serializers.ListField(),
                                                       "forecast": serializers.ListField()}))
    def get(self, request):
        return Response(reports.due())
