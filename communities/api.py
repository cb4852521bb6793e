"""Communities in the JSON API (SPEC §2.1, §2.4, §6).

Routes (under /api/v1/):

* ``communities/`` — GET the directory (``?visibility=``), POST to create;
* ``communities/{slug}/`` — GET, PATCH (owners);
* ``communities/{slug}/join/`` — POST: ``{"status": "member" | "requested"}``;
* ``communities/{slug}/members/`` — GET the active members; POST (owners) adds someone who
  is not a member yet (an existing member: 400, their role unchanged);
* ``communities/{slug}/requests/`` — GET the pending join requests (owners only);
* ``communities/{slug}/members/{username}/`` — PUT (owners: add, change a role,
  approve a request), DELETE (owners remove; anyone may remove themself; on a
  person with a pending request and no membership, an owner's DELETE declines it);
* ``communities/{slug}/audience/?classification=&readers=a,b`` — the audience line; with ``&q=``,
  also the @mention suggestions (people who would be able to read the item).

Every community is loaded through the access rule (``AccessRuleViewSet``), so
an invisible one is 404 on every route; every write goes through
``communities.services``.
"""
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from communities.access import active_memberships
from unisocial.api import StrictFieldsMixin
from unisocial.api_views import AccessRuleViewSet
from unisocial.classification import Level, Visibility

from . import selectors, services
from .models import Community, JoinRequest, Membership, Role

# ---------------------------------------------------------------- serializers


class CommunitySerializer(serializers.ModelSerializer):
    """The detail representation (also each row of the directory)."""

    ceiling_label = serializers.CharField(source="get_ceiling_display", read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    # A plain string so the schema keeps one enum for roles (RoleEnum, from ``role``).
    my_role = serializers.CharField(
        read_only=True, allow_null=True, help_text="owner, moderator, member, or null"
    )

    class Meta:
        model = Community
        fields = [
            "slug",
            "name",
            "description",
            "purpose",
            "objectives",
            "intended_audience",
            "risk_assessment",
            "visibility",
            "ceiling",
            "ceiling_label",
            "guidelines",
            "premoderation",
            "auto_hide_threshold",
            "is_archived",
            "member_count",
            "my_role",
            "created_at",
        ]
        read_only_fields = fields


class CommunityCreateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Input of POST ``communities/``; the rules (ceiling, purpose) are the service's."""

    class Meta:
        model = Community
        fields = [
            "name",
            "slug",
            "description",
            "purpose",
            "objectives",
            "intended_audience",
            "risk_assessment",
            "visibility",
            "ceiling",
            "guidelines",
            "premoderation",
            "auto_hide_threshold",
        ]
        # No UniqueValidator: "community with this slug already exists" would confirm a
        # restricted community; the service answers taken names and addresses alike (SPEC §2.2).
        extra_kwargs = {
            "slug": {"validators": [], "error_messages": {"invalid": services.ADDRESS_RULE}},
            "name": {"validators": []},
        }


class CommunityUpdateSerializer(CommunityCreateSerializer):
    """Input of PATCH ``communities/{slug}/``: everything but the slug."""

    class Meta(CommunityCreateSerializer.Meta):
        fields = [f for f in CommunityCreateSerializer.Meta.fields if f != "slug"]


def _display_name(user) -> str:
    return user.display_name or user.get_full_name() or user.username


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["username", "display_name", "role", "expires_at"]
        read_only_fields = fields

    def get_display_name(self, membership) -> str:
        return _display_name(membership.user)


class JoinRequestSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = JoinRequest
        fields = ["username", "display_name", "message", "requested_at"]
        read_only_fields = fields

    def get_display_name(self, join_request) -> str:
        return _display_name(join_request.user)


class MemberSetSerializer(StrictFieldsMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class MemberAddSerializer(MemberSetSerializer):
    """POST ``communities/{slug}/members/``: add someone who is not a member yet (SPEC §2.5)."""

    username = serializers.CharField(max_length=150)

    def validate_username(self, value):
        user = get_user_model().objects.filter(username=value.strip(), is_active=True).first()
        if user is None:
            raise serializers.ValidationError(
                _("There is no active account with the username “%(username)s”.")
                % {"username": value.strip()}
            )
        return user


JoinStatusSerializer = inline_serializer(
    "JoinStatus", fields={"status": serializers.ChoiceField(choices=["member", "requested"])}
)


class PickedPersonSerializer(serializers.Serializer):
    """One person in an answer of the people picker or the @mention suggestions."""

    username = serializers.CharField()
    display_name = serializers.CharField()


AudienceSerializer = inline_serializer(
    "Audience",
    fields={
        "count": serializers.IntegerField(),
        "description": serializers.CharField(),
        "suggestions": PickedPersonSerializer(
            many=True,
            required=False,
            help_text="Only with q: up to 10 people matching q who would be able to read the item",
        ),
    },
)

USERNAME_PARAMETER = OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH)


# ---------------------------------------------------------------- views


class SuggestionsThrottle(ScopedRateThrottle):
    """The people picker's rate (scope ``people``, shared with ``PeopleView``) on the audience
    route's @mention suggestions: only a request with ``q`` counts; the audience line is free."""

    def allow_request(self, request, view):
        if "q" not in request.query_params:
            return True
        self.scope = "people"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super(ScopedRateThrottle, self).allow_request(request, view)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("visibility", OpenApiTypes.STR, enum=Visibility.values)]
    ),
    create=extend_schema(request=CommunityCreateSerializer, responses={201: CommunitySerializer}),
    partial_update=extend_schema(request=CommunityUpdateSerializer, responses=CommunitySerializer),
)
class CommunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccessRuleViewSet):
    """Communities the current user may see (SPEC §2.1); restricted ones are 404 to outsiders."""

    queryset = Community.objects.all()
    serializer_class = CommunitySerializer
    lookup_field = "slug"

    def get_base_queryset(self):
        user = self.request.user
        # my_role as a subquery so the directory costs the same at 5 or 5,000 rows.
        my_role = active_memberships(user, OuterRef("pk")).values("role")[:1]
        # Explicit order: Meta.ordering is dropped from the member_count GROUP BY query.
        return (
            selectors.communities_for(user)
            .annotate(my_role=Subquery(my_role))
            .order_by("name", "pk")
        )

    def filter_queryset(self, queryset):
        visibility = self.request.query_params.get("visibility")
        if self.action == "list" and visibility:
            if visibility not in Visibility.values:
                raise exceptions.ValidationError(
                    {"visibility": [_("Choose open, moderated or restricted.")]}
                )
            queryset = queryset.filter(visibility=visibility)
        return queryset

    def _fresh(self, community):
        return self.get_queryset().get(pk=community.pk)

    def _require_owner(self, community):
        # The service's own check, before validating input: a non-owner learns 403 rather
        # than field errors, by the same rule (and message) as the write.
        services.require_can_manage(self.request.user, community)

    def create(self, request):
        serializer = CommunityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = services.community_create(actor=request.user, **serializer.validated_data)
        data = CommunitySerializer(self._fresh(community)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, slug=None):
        community = self.get_object()
        self._require_owner(community)
        serializer = CommunityUpdateSerializer(community, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        community = services.community_update(
            actor=request.user, community=community, **serializer.validated_data
        )
        return Response(CommunitySerializer(self._fresh(community)).data)

    @extend_schema(request=None, responses=JoinStatusSerializer)
    @action(detail=True, methods=["post"])
    def join(self, request, slug=None):
        """Join an open community at once, or ask to join a moderated one."""
        community = self.get_object()
        joined = services.community_join(actor=request.user, community=community)
        return Response({"status": joined})

    @extend_schema(methods=["GET"], responses=MembershipSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=MemberAddSerializer, responses={201: MembershipSerializer}
    )
    @action(detail=True, methods=["get", "post"], serializer_class=MembershipSerializer)
    def members(self, request, slug=None):
        """GET: the active members (expired memberships are gone at once). POST (owners): add
        someone who is not a member yet; an existing member is refused (400) and keeps their role
        (change it by PUT on ``members/{username}/``)."""
        community = self.get_object()
        if request.method == "POST":
            return self._member_add(request, community)
        page = self.paginate_queryset(selectors.members_of(community))
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(responses=JoinRequestSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=JoinRequestSerializer)
    def requests(self, request, slug=None):
        """Pending join requests (owners only); approve one by PUT on ``members/{username}/``."""
        community = self.get_object()
        if community.my_role != Role.OWNER:
            raise exceptions.PermissionDenied(_("Only the community's owners may do this."))
        pending = selectors.pending_requests(community).order_by("created_at", "pk")
        page = self.paginate_queryset(pending)
        return self.get_paginated_response(JoinRequestSerializer(page, many=True).data)

    @extend_schema(
        methods=["PUT"],
        parameters=[USERNAME_PARAMETER],
        request=MemberSetSerializer,
        responses=MembershipSerializer,
    )
    @extend_schema(methods=["DELETE"], parameters=[USERNAME_PARAMETER], responses={204: None})
    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=r"members/(?P<username>[^/]+)",
        serializer_class=MemberSetSerializer,
    )
    def member(self, request, slug=None, username=None):
        """PUT: owners add, change or approve; DELETE: owners remove, members leave."""
        community = self.get_object()
        if request.method == "PUT":
            return self._member_set(request, community, username)
        return self._member_remove(request, community, username)

    def _member_set(self, request, community, username):
        self._require_owner(community)
        user = get_object_or_404(get_user_model(), username=username)
        serializer = MemberSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_set(
            actor=request.user,
            community=community,
            user=user,
            role=serializer.validated_data["role"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        return Response(MembershipSerializer(membership).data)

    def _member_add(self, request, community):
        self._require_owner(community)
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_add(
            actor=request.user,
            community=community,
            user=serializer.validated_data["username"],
            role=serializer.validated_data["role"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def _member_remove(self, request, community, username):
        if username != request.user.username and community.my_role != Role.OWNER:
            raise exceptions.PermissionDenied(_("Only the community's owners may do this."))
        user = get_object_or_404(get_user_model(), username=username)
        declining = (
            user != request.user
            and not Membership.objects.filter(user=user, content_object=community).exists()
            and JoinRequest.objects.filter(
                community=community, user=user, state=JoinRequest.State.PENDING
            ).exists()
        )
        if declining:
            services.join_request_decline(actor=request.user, community=community, user=user)
        else:
            services.member_remove(actor=request.user, community=community, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("classification", OpenApiTypes.STR, enum=Level.values, required=True),
            OpenApiParameter(
                "readers",
                OpenApiTypes.STR,
                description="Comma-separated usernames (strictly confidential only)",
            ),
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description=(
                    "Start of a username or name (1 character at least): also answer `suggestions`, "
                    "up to 10 people who would be able to read the item (the @mention suggestions; "
                    "only for those who may write in the community)"
                ),
            ),
        ],
        responses=AudienceSerializer,
    )
    @action(detail=True, methods=["get"], throttle_classes=[SuggestionsThrottle])
    def audience(self, request, slug=None):
        """Who an item at this level would reach (SPEC §2.4): ``{"count", "description"}``; with
        ``q``, also ``suggestions`` for @mentions (SPEC §2.3): people whose username or name starts
        with ``q`` and who would be able to read it — not the member list."""
        community = self.get_object()
        query = None
        if "q" in request.query_params:
            # Asked before reading input (docs/architecture.md): suggestions are for writers.
            services.require_can_write(request.user, community)
            query = request.query_params["q"].strip()
            if not query or len(query) > 150:
                raise exceptions.ValidationError(
                    {"q": [_("Type from 1 to 150 characters of a username or name.")]}
                )
        names = request.query_params.get("readers", "")
        readers = services.lookup_users(names.split(",")) if names.strip() else []
        classification = request.query_params.get("classification", "")
        answer = services.audience(
            community=community, classification=classification, author=request.user, readers=readers
        )
        if query is not None:
            found = selectors.audience_suggestions(
                community=community,
                classification=classification,
                author=request.user,
                reader_ids=[r.pk for r in readers],
                query=query,
            )
            answer["suggestions"] = [{"username": p.username, "display_name": _display_name(p)} for p in found]
        return Response(answer)


# ---------------------------------------------------------------- the people picker

PICKER_LIMIT = 10
PICKER_MIN_QUERY = 2

class PeopleView(APIView):
    """``GET people/?q=`` — the people picker (SPEC §2.5): up to 10 active accounts whose username
    or name starts with ``q`` (2 characters at least), each only ``username`` and ``display_name``.

    With ``?community=<slug>``, only that community's active members (the community through the
    access rule: invisible is 404): strictly confidential readers must be members of the community
    (SPEC §2.3), so their picker draws from the members only. The directory itself is not secret
    (every active person has a profile page); the answer is small, one query, and throttled.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "people"

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="start of a username or name"),
            OpenApiParameter("community", OpenApiTypes.STR, description="members of this community only"),
        ],
        responses=inline_serializer("PeoplePicked", fields={"results": PickedPersonSerializer(many=True)}),
    )
    def get(self, request):
        query = request.query_params.get("q", "").strip()[:150]
        people = get_user_model().objects.filter(is_active=True)
        slug = request.query_params.get("community", "").strip()
        if slug:
            community = selectors.get_community_for(request.user, slug)
            people = people.filter(pk__in=selectors.members_of(community).values("user_id"))
        if len(query) < PICKER_MIN_QUERY:
            return Response({"results": []})
        found = people.filter(selectors.name_starts_q(query)).only(
            "username", "display_name", "first_name", "last_name"
        ).order_by("username")[:PICKER_LIMIT]
        return Response(
            {"results": [{"username": p.username, "display_name": _display_name(p)} for p in found]}
        )
