"""Moderation in the JSON API (SPEC §3, §6).

* ``POST flags/`` — report an item (201); an item the caller cannot see is 404,
  a second report 400, too many reports in an hour 429;
* ``GET communities/{slug}/moderation/`` — the community's queue, for its owners
  and moderators (other members 403, an invisible community 404);
* ``POST moderation/{target_type}/{id}/`` — act on an item (``action``,
  ``reason``, ``classification``); 404 when invisible, 403 for non-moderators.

Items are loaded only through ``moderation.selectors.access_item`` (the access rule).
"""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.access import role_in
from communities.selectors import get_community_for
from unisocial.classification import Level

from . import selectors, services
from .models import EscalationCase, Flag, ModerationAction, TargetType


class FlagCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=TargetType.choices)
    target_id = serializers.IntegerField(min_value=1)
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class FlagSerializer(serializers.ModelSerializer):
    item_status = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = ["id", "target_type", "target_id", "reason", "note", "state", "created_at", "item_status"]

    def get_item_status(self, flag) -> str:
        return self.context["item"].status


class FlagCreateView(APIView):
    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer})
    def post(self, request):
        serializer = FlagCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = selectors.access_item(request.user, data["target_type"], data["target_id"])
        flag = services.flag_create(actor=request.user, item=item, reason=data["reason"], note=data["note"])
        return Response(FlagSerializer(flag, context={"item": item}).data, status=status.HTTP_201_CREATED)


class QueueEntrySerializer(serializers.Serializer):
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    title = serializers.CharField()
    classification = serializers.CharField()
    status = serializers.CharField()
    since = serializers.DateTimeField()
    flags = serializers.IntegerField(source="total")
    reasons = serializers.DictField(child=serializers.IntegerField(), source="counts")
    url = serializers.CharField(source="item.get_absolute_url")


class CommunityQueueView(APIView):
    @extend_schema(responses=QueueEntrySerializer(many=True))
    def get(self, request, slug):
        community = get_community_for(request.user, slug)
        if role_in(request.user, community) not in ("owner", "moderator"):
            raise PermissionDenied(_("Only the community's owners and moderators see its moderation queue."))
        entries = selectors.moderation_queue(request.user, community=community)
        return Response({"count": len(entries), "results": QueueEntrySerializer(entries, many=True).data})


class ActSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a for a in services.ACTIONS])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    classification = serializers.ChoiceField(choices=Level.choices, required=False, allow_null=True, default=None)


class ActResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    status = serializers.CharField()
    classification = serializers.CharField()
    log_id = serializers.IntegerField(allow_null=True)
    case_id = serializers.IntegerField(allow_null=True)


class ModerateView(APIView):
    @extend_schema(request=ActSerializer, responses=ActResultSerializer)
    def post(self, request, target_type, target_id):
        # Load first: an item the caller cannot see is 404 before any input is judged.
        item = selectors.access_item(request.user, target_type, target_id)
        if role_in(request.user, selectors.community_of(item)) not in ("owner", "moderator"):
            raise PermissionDenied(_("Only the community's owners and moderators can moderate it."))
        serializer = ActSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.moderate(
            actor=request.user, item=item, action=data["action"], reason=data["reason"],
            classification=data["classification"],
        )
        return Response(
            {
                "action": data["action"],
                "target_type": target_type,
                "target_id": item.pk,
                "status": item.status,
                "classification": selectors.level_of(item),
                "log_id": result.pk if isinstance(result, ModerationAction) else None,
                "case_id": result.pk if isinstance(result, EscalationCase) else None,
            }
        )
