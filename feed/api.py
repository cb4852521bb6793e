"""The feed and search in the JSON API (SPEC §6 ``feed/`` and ``search/``).

* ``feed/`` (``?scope=mine|open``, ``?cursor=``) — the home feed through the
  one base viewset (``AccessRuleViewSet`` adds ``visible_to``), keyset-paginated:
  ``{"results": [...], "next": url-or-null}``;
* ``search/?q=`` (``type``, ``community``, ``classification``, ``tag``,
  ``page``) — ``feed.search``, which restricts every kind in the SQL:
  ``{"results": [...], "next": url-or-null, "previous": url-or-null}``.
"""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from unisocial.api_views import AccessRuleViewSet
from unisocial.classification import Level, Status
from unisocial.excerpts import plain_excerpt

from . import selectors as feed
from .search import KINDS, MAX_PAGE, SearchForm, search

# ---------------------------------------------------------------- feed


class FeedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    community = serializers.CharField(source="community.slug", help_text="community slug")
    community_name = serializers.CharField(source="community.name")
    classification = serializers.ChoiceField(choices=Level.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    author = serializers.CharField(source="author.username", help_text="author's username")
    created_at = serializers.DateTimeField()
    excerpt = serializers.CharField(help_text="the opening of the body, as plain text")
    like_count = serializers.IntegerField()
    comment_count = serializers.IntegerField(help_text="comments visible to you")
    url = serializers.SerializerMethodField()

    def get_url(self, post) -> str:
        # ``request.build_absolute_uri(path)`` for a path-absolute ``path`` is the request's
        # scheme and host + ``path`` (``reverse`` already gives it URI-quoted): computed once
        # per response, not per item — it was ~0.1 ms an item (docs/performance.md).
        prefix = self.context.get("_absolute_prefix")
        if prefix is None:
            prefix = self.context["_absolute_prefix"] = self.context["request"].build_absolute_uri("/")[:-1]
        return prefix + post.get_absolute_url()

    def to_representation(self, post):
        # The declared fields' output (they stay the schema), without DRF's per-field
        # attribute walk for each of the page's 20 rows (docs/performance.md, "Load test").
        return {
            "id": post.pk,
            "title": post.title,
            "community": post.community.slug,
            "community_name": post.community.name,
            "classification": post.classification,
            "status": post.status,
            "author": post.author.username,
            "created_at": self.fields["created_at"].to_representation(post.created_at),
            "excerpt": plain_excerpt(post.excerpt_html),
            "like_count": post.like_count,
            "comment_count": post.comment_count,
            "url": self.get_url(post),
        }


class FeedCursorPagination(BasePagination):
    """Keyset pagination over ``(-created_at, -id)``: no OFFSET, no COUNT (``feed.selectors``)."""

    cursor_query_param = "cursor"
    page_size = feed.PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        try:
            cursor = request.query_params.get(self.cursor_query_param)
            page = feed.paginate(queryset, cursor, self.page_size)
        except feed.InvalidCursor:
            raise exceptions.ValidationError({"cursor": [_("Invalid cursor.")]}) from None
        self.next_cursor = page.next_cursor
        return page.items

    def get_next_link(self):
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next` link's cursor (opaque).",
                "schema": {"type": "string"},
            }
        ]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                enum=list(feed.SCOPES),
                description="mine (default): my communities and people I follow; "
                "open: every open community",
            )
        ]
    )
)
class FeedViewSet(mixins.ListModelMixin, AccessRuleViewSet):
    """Newest visible posts of my communities and of the people I follow."""

    serializer_class = FeedItemSerializer
    pagination_class = FeedCursorPagination
    # Its page is a top-level query on posts: the rule's SQL compiled once (docs/performance.md).
    compiled_rule = True

    def get_base_queryset(self):
        scope = self.request.query_params.get("scope") or feed.SCOPE_MINE
        if scope not in feed.SCOPES:
            raise exceptions.ValidationError({"scope": [_("Choose mine or open.")]})
        return feed.feed_candidates(self.request.user, scope=scope)


# ---------------------------------------------------------------- search


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[(k, k) for k in KINDS])
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="a comment's is its post's title")
    community = serializers.CharField(help_text="community slug")
    community_name = serializers.CharField()
    classification = serializers.ChoiceField(choices=Level.choices)
    snippet = serializers.CharField(
        help_text="escaped HTML: plain text with the matches in <mark> elements"
    )
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    language = serializers.CharField(help_text="the language the item is written in (SPEC §7)")


class SearchResponseSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class SearchView(APIView):
    """Full-text search over the posts, comments and wiki pages I may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="words; empty: the filters alone, newest first (no filter: nothing)"
            ),
            OpenApiParameter("type", OpenApiTypes.STR, enum=list(KINDS)),
            OpenApiParameter("community", OpenApiTypes.STR, description="community slug"),
            OpenApiParameter("classification", OpenApiTypes.STR, enum=Level.values),
            OpenApiParameter("tag", OpenApiTypes.STR, description="tag slug (posts only)"),
            OpenApiParameter("page", OpenApiTypes.INT, description=f"1 to {MAX_PAGE}"),
        ],
        responses=SearchResponseSerializer,
    )
    def get(self, request):
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: list(v) for k, v in form.errors.items()})
        page = search(request.user, form.cleaned_data)
        results = [
            {**vars(r), "url": request.build_absolute_uri(r.url), "snippet": str(r.snippet)}
            for r in page.results
        ]
        url = request.build_absolute_uri()
        next_url = previous_url = None
        if page.has_next:
            next_url = replace_query_param(url, "page", page.number + 1)
        if page.number == 2:
            previous_url = remove_query_param(url, "page")
        elif page.has_previous:
            previous_url = replace_query_param(url, "page", page.number - 1)
        return Response(
            {
                "results": SearchResultSerializer(results, many=True).data,
                "next": next_url,
                "previous": previous_url,
            }
        )
