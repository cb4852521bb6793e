"""Declassification review in the JSON API (SPEC §4, §6): ``/api/v1/records/declassification/``.

* ``GET`` — the review list, metadata only (type, id, community, level, status,
  dates, latest decision), paginated like the other records lists; filters
  ``level``, ``community`` (slug), ``type``, ``review`` (``unreviewed`` /
  ``reviewed``). Records officers see every listed item; anyone else only their
  own listed items they can see (the author's path).
* ``POST`` ``{target_type, target_id, decision, to_level, reason}`` — a decision
  (``records.declassification.decide``) → 201 with the review. Records officers
  on any listed item; an author on their own (``declassified`` only); an item the
  caller cannot see is 404, a visible one they may not decide on is 403; bad
  input is 400 and changes nothing.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from communities.models import Community
from unisocial.api import StrictFieldsMixin
from unisocial.classification import Level

from .. import declassification
from ..models import DeclassificationReview

MAX_ID = 2**63 - 1  # the largest id a bigint column holds: beyond it, "no such item", not a database error
REVIEW_FILTERS = [("unreviewed", "Not yet reviewed"), ("reviewed", "Reviewed")]
TARGET_CHOICES = [("post", "Post"), ("wiki", "Wiki page")]


class ListedItemSerializer(serializers.Serializer):
    """One listed item: metadata only, never a title or a body."""

    type = serializers.CharField(source="target_type")
    id = serializers.IntegerField(source="target_id")
    community = serializers.SerializerMethodField()
    classification = serializers.CharField(source="level")
    listed_for = serializers.SerializerMethodField(help_text="declassification (confidential) or review")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField(source="last_activity")
    reviewed = serializers.SerializerMethodField()
    latest_decision = serializers.CharField(allow_null=True)
    latest_from_level = serializers.CharField(allow_null=True)
    latest_to_level = serializers.CharField(allow_null=True)
    latest_decided_at = serializers.DateTimeField(allow_null=True)
    latest_decided_by = serializers.CharField(allow_null=True)

    def get_community(self, row) -> str | None:
        return self.context["community_slugs"].get(row["community_id"])

    def get_listed_for(self, row) -> str:
        return "declassification" if row["level"] == Level.CONFIDENTIAL else "review"

    def get_reviewed(self, row) -> bool:
        return row["latest_to_level"] == row["level"]


class ListFilterSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=declassification.REVIEW_LEVELS, required=False)
    community = serializers.SlugField(required=False, max_length=80)
    type = serializers.ChoiceField(choices=TARGET_CHOICES, required=False)
    review = serializers.ChoiceField(choices=REVIEW_FILTERS, required=False)


class DecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    target_type = serializers.ChoiceField(choices=TARGET_CHOICES)
    target_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    decision = serializers.ChoiceField(choices=DeclassificationReview.Decision.choices)
    to_level = serializers.ChoiceField(choices=Level.choices, required=False, allow_null=True, default=None,
                                       help_text="The new, lower level (for a declassification).")
    reason = serializers.CharField(max_length=2000, allow_blank=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["decision"] == DeclassificationReview.Decision.DECLASSIFIED and not attrs.get("to_level"):
            raise serializers.ValidationError({"to_level": [_("Choose the level to declassify the item to.")]})
        return attrs


class ReviewSerializer(serializers.ModelSerializer):
    community = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)

    class Meta:
        model = DeclassificationReview
        fields = ["id", "target_type", "target_id", "community", "decision", "from_level", "to_level", "reason",
                  "decided_by", "decided_at"]
        read_only_fields = fields

    def get_community(self, review) -> str | None:
        return Community.objects.filter(pk=review.community_id).values_list("slug", flat=True).first()


class DeclassificationReviewList(GenericAPIView):
    serializer_class = ListedItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("level", str, enum=list(declassification.REVIEW_LEVELS)),
            OpenApiParameter("community", str, description="community slug"),
            OpenApiParameter("type", str, enum=["post", "wiki"]),
            OpenApiParameter("review", str, enum=["unreviewed", "reviewed"]),
        ],
        responses=ListedItemSerializer(many=True),
    )
    def get(self, request):
        filters = ListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        community_id = None
        if wanted.get("community"):
            # An unknown slug lists nothing (no 400: that would tell an author which slugs exist).
            community_id = Community.objects.filter(slug=wanted["community"]).values_list("pk", flat=True).first()
            community_id = -1 if community_id is None else community_id
        officer = declassification.is_records_officer(request.user)
        rows = declassification.due_for_review(
            level=wanted.get("level"), community_id=community_id, target_type=wanted.get("type"),
            review=wanted.get("review"), author=None if officer else request.user,
        )
        page = self.paginate_queryset(rows)
        slugs = dict(Community.objects.filter(pk__in={r["community_id"] for r in page}).values_list("pk", "slug"))
        data = ListedItemSerializer(page, many=True, context={"community_slugs": slugs}).data
        return self.get_paginated_response(data)

    @extend_schema(request=DecisionSerializer, responses={201: ReviewSerializer})
    def post(self, request):
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = declassification.load_target(actor=request.user, target_type=data["target_type"],
                                            target_id=data["target_id"])
        review = declassification.decide(actor=request.user, item=item, decision=data["decision"],
                                         to_level=data.get("to_level"), reason=data["reason"])
        review = DeclassificationReview.objects.select_related("decided_by").get(pk=review.pk)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)
