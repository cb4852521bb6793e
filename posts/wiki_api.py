"""Wiki pages in the JSON API (SPEC §2.2–2.3, §6).

Routes (under /api/v1/):

* ``communities/{slug}/wiki/`` — GET the visible pages, POST one;
* ``communities/{slug}/wiki/{page}/`` — GET; PUT edits (any subset of the
  fields; ``reason`` for lowering the level; ``readers`` and a new ``classification``
  only from the page's author and the community's owners, 403 for anyone else);
* ``communities/{slug}/wiki/{page}/history/`` — GET the revisions the user may see;
* ``communities/{slug}/wiki/{page}/revert/`` — POST ``version`` (and ``reason`` when the
  revision's level is lower): restores its title, body, level and readers.

The community is loaded first through ``get_community_for`` (an invisible
one is 404 on every route), then the page through the access rule
(``AccessRuleViewSet``); writes go through ``posts.services``.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.access import role_in
from communities.models import Role
from communities.selectors import get_community_for
from unisocial.api import StrictFieldsMixin
from unisocial.api_views import AccessRuleViewSet
from unisocial.classification import Status

from . import services
from .api import (
    BODY_FORMATS,
    LEVEL_CHOICES,
    ContentPagination,
    RevisionSerializer,
    reader_names,
    request_user,
    with_readers,
)
from .models import WikiPage, WikiPageReader

# ---------------------------------------------------------------- serializers


class RevertSerializer(StrictFieldsMixin, serializers.Serializer):
    version = serializers.IntegerField(help_text="The revision's ``version`` from ``history/``.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="Required when the revision's level is lower than the page's (a lowering).",
    )


class WikiPageSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    last_edited_by = serializers.CharField(
        source="last_edited_by.username", read_only=True, allow_null=True
    )
    classification_label = serializers.CharField(
        source="get_classification_display", read_only=True
    )
    readers = serializers.SerializerMethodField(
        help_text="Usernames of the individually granted readers; shown only to the page's "
        "author and the community's owners (empty for everyone else)."
    )
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = WikiPage
        fields = [
            "slug",
            "community",
            "title",
            "body",
            "body_source",
            "body_format",
            "classification",
            "classification_label",
            "language",
            "status",
            "readers",
            "author",
            "created_at",
            "updated_at",
            "last_edited_by",
            "can_edit",
        ]
        read_only_fields = fields

    def get_readers(self, page) -> list[str]:
        user = request_user(self)
        role = self.context.get("role")
        if user is not None and (page.author_id == user.pk or role == Role.OWNER):
            return reader_names(page)
        return []

    def get_can_edit(self, page) -> bool:
        # Any member who can see a page may edit it (SPEC §2.3).
        return bool(
            self.context.get("role")
            and page.status != Status.WITHDRAWN
            and not page.community.is_archived
        )


class WikiPageWrittenSerializer(WikiPageSerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(WikiPageSerializer.Meta):
        fields = [*WikiPageSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class WikiPageCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    slug = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Defaults to the title, slugified.",
    )
    body = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    body_format = serializers.ChoiceField(choices=BODY_FORMATS, required=False, default="html")
    classification = serializers.ChoiceField(
        choices=LEVEL_CHOICES, required=False, allow_null=True, allow_blank=True
    )
    readers = serializers.ListField(child=serializers.CharField(max_length=150), required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language the text is written in (SPEC §7); default: the author's, else the site's.",
    )


class WikiPageUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """Input of PUT ``communities/{slug}/wiki/{page}/``: any subset of the fields."""

    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body_format = serializers.ChoiceField(choices=BODY_FORMATS, required=False)
    classification = serializers.ChoiceField(choices=LEVEL_CHOICES, required=False)
    readers = serializers.ListField(child=serializers.CharField(max_length=150), required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language the text is written in (SPEC §7); default: the author's, else the site's.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Required when lowering the level.",
    )


COMMUNITY_PARAMETER = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The community's slug."
)
PAGE_PARAMETER = OpenApiParameter(
    "page", OpenApiTypes.STR, OpenApiParameter.PATH, description="The page's slug."
)


# ---------------------------------------------------------------- views


@extend_schema_view(
    list=extend_schema(parameters=[COMMUNITY_PARAMETER]),
    retrieve=extend_schema(parameters=[COMMUNITY_PARAMETER, PAGE_PARAMETER]),
    create=extend_schema(
        parameters=[COMMUNITY_PARAMETER],
        request=WikiPageCreateSerializer,
        responses={201: WikiPageWrittenSerializer},
    ),
    update=extend_schema(
        parameters=[COMMUNITY_PARAMETER, PAGE_PARAMETER],
        request=WikiPageUpdateSerializer,
        responses={200: WikiPageWrittenSerializer, 204: None},
        description="Edit the page; any subset of the fields. ``readers`` and a changed "
        "``classification`` only from the page's author and the community's owners (403 for "
        "any other editor, SPEC §2.3). 204 if the edit leaves the page invisible to you.",
    ),
)
class WikiPageViewSet(AccessRuleViewSet):
    """The wiki pages of a community the user may see (SPEC §2.2–2.3)."""

    queryset = WikiPage.objects.all()
    serializer_class = WikiPageSerializer
    pagination_class = ContentPagination
    lookup_field = "slug"
    lookup_url_kwarg = "page"
    lookup_value_regex = r"[-\w]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The community first: an invisible community is 404 on every route (SPEC §2.1).
        self.community = get_community_for(request.user, kwargs["slug"])
        self.role = role_in(request.user, self.community)

    def get_base_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WikiPage.objects.all()
        return (
            WikiPage.objects.filter(community=self.community)
            .select_related("community", "author", "last_edited_by")
            .prefetch_related(
                Prefetch("reader_grants", queryset=WikiPageReader.objects.select_related("user"))
            )
            .order_by("title", "pk")
        )

    def _context(self):
        return {"request": self.request, "role": self.role}

    def _require_member(self):
        # Before validating input (403 rather than field errors); the service checks again.
        if self.role is None:
            raise exceptions.PermissionDenied(_("Only members of this community can write in it."))

    def _written(self, page, warnings, code=status.HTTP_200_OK):
        fresh = self.get_queryset().filter(pk=page.pk).first()
        if fresh is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = WikiPageWrittenSerializer(fresh, context=self._context()).data
        data["warnings"] = list(warnings)
        return Response(data, status=code)

    def list(self, request, slug=None):
        page = self.paginate_queryset(self.get_queryset())
        services.log_views(request.user, page, via="api")
        return self.get_paginated_response(
            WikiPageSerializer(page, many=True, context=self._context()).data
        )

    def retrieve(self, request, slug=None, page=None):
        wiki_page = self.get_object()
        services.log_view(request.user, wiki_page, via="api")
        return Response(WikiPageSerializer(wiki_page, context=self._context()).data)

    def create(self, request, slug=None):
        self._require_member()
        serializer = WikiPageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = with_readers(dict(serializer.validated_data))
        wiki_page, warnings = services.wiki_create(
            actor=request.user, community=self.community, **data
        )
        return self._written(wiki_page, warnings, status.HTTP_201_CREATED)

    def update(self, request, slug=None, page=None):
        wiki_page = self.get_object()
        self._require_member()
        serializer = WikiPageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # 403 before the readers' names are looked up (SPEC §2.3: readers and level are
        # the author's and the owners'); the service checks again.
        services.check_audience_change(request.user, wiki_page, serializer.validated_data)
        data = with_readers(dict(serializer.validated_data))
        wiki_page, warnings = services.wiki_update(actor=request.user, page=wiki_page, **data)
        return self._written(wiki_page, warnings)

    @extend_schema(
        parameters=[COMMUNITY_PARAMETER, PAGE_PARAMETER], responses=RevisionSerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=RevisionSerializer)
    def history(self, request, slug=None, page=None):
        """The page's revisions the user may see (SPEC §2.3), newest first."""
        wiki_page = self.get_object()
        services.log_view(request.user, wiki_page, via="api")
        revisions = self.paginate_queryset(services.visible_history(request.user, wiki_page))
        return self.get_paginated_response(RevisionSerializer(revisions, many=True).data)

    @extend_schema(
        parameters=[COMMUNITY_PARAMETER, PAGE_PARAMETER],
        request=RevertSerializer,
        responses={200: WikiPageSerializer, 204: None},
    )
    @action(detail=True, methods=["post"], serializer_class=RevertSerializer)
    def revert(self, request, slug=None, page=None):
        """Revert to a revision (itself a new revision, SPEC §2.3)."""
        wiki_page = self.get_object()
        self._require_member()
        serializer = RevertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wiki_page = services.wiki_revert(
            actor=request.user,
            page=wiki_page,
            version=serializer.validated_data["version"],
            reason=serializer.validated_data.get("reason", ""),
        )
        fresh = self.get_queryset().filter(pk=wiki_page.pk).first()
        if fresh is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(WikiPageSerializer(fresh, context=self._context()).data)
