"""Posts, comments and likes in the JSON API (SPEC §2.2–2.4, §6).

Routes (under /api/v1/):

* ``posts/`` — GET the visible posts, newest first (``?community=slug``,
  ``?tag=``); POST to create (→ 201 with ``warnings``);
* ``posts/{id}/`` — GET; PATCH (the author; lowering the level needs a
  ``reason``); DELETE withdraws (the author);
* ``posts/{id}/like/`` — POST recommends, DELETE stops: ``{"like_count", "liked"}``;
* ``posts/{id}/likes/`` — GET who recommended the post;
* ``posts/{id}/comments/`` — GET the visible comments, POST one (``body``, ``parent``);
* ``posts/{id}/comments/{comment_id}/`` — PATCH, DELETE (the comment's author);
* ``posts/{id}/history/`` — GET the revisions the user may see.

Wiki pages are in ``posts.wiki_api``, which shares the helpers at the top of
this module. Every item is loaded through the access rule
(``AccessRuleViewSet`` and ``visible_to``), so an invisible post or comment is
404 on every route; every write goes through ``posts.services``, whose
``ValidationError`` / ``PermissionDenied`` the exception handler turns into
400 / 403. Views of strictly confidential items are written to the access log.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from communities.access import active_memberships
from communities.models import Community, Role
from communities.services import lookup_users
from unisocial.api import StrictFieldsMixin
from unisocial.api_views import AccessRuleViewSet
from unisocial.classification import Level, Status

from . import services
from .models import Comment, Like, Post, PostReader
from .selectors import with_counts

BODY_FORMATS = [("html", "HTML"), ("markdown", "Markdown")]
LEVEL_CHOICES = Level.choices


class ContentPagination(PageNumberPagination):
    """The site's page size, which a client may raise to 100 with ``?page_size=``."""

    page_size_query_param = "page_size"
    max_page_size = 100


def request_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def reader_names(item) -> list[str]:
    # reader_grants is prefetched with its users by every queryset that serializes items.
    return sorted(grant.user.username for grant in item.reader_grants.all())


# ---------------------------------------------------------------- posts: output


class PostSerializer(serializers.ModelSerializer):
    """The detail representation of a post (also each row of the list)."""

    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    classification_label = serializers.CharField(
        source="get_classification_display", read_only=True
    )
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    readers = serializers.SerializerMethodField(
        help_text="Usernames of the individually granted readers; shown only to the author "
        "and the community's owners (empty for everyone else)."
    )
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True, help_text="Comments visible to you.")
    liked_by_me = serializers.BooleanField(read_only=True)
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "community",
            "title",
            "body",
            "body_source",
            "body_format",
            "classification",
            "classification_label",
            "language",
            "status",
            "author",
            "tags",
            "readers",
            "like_count",
            "comment_count",
            "liked_by_me",
            "created_at",
            "updated_at",
            "can_edit",
        ]
        read_only_fields = fields

    def get_readers(self, post) -> list[str]:
        user = request_user(self)
        if user is not None and (post.author_id == user.pk or post.my_role == Role.OWNER):
            return reader_names(post)
        return []

    def get_can_edit(self, post) -> bool:
        user = request_user(self)
        return bool(
            user is not None
            and post.author_id == user.pk
            and post.status != Status.WITHDRAWN
            and not post.community.is_archived
        )


class PostWrittenSerializer(PostSerializer):
    """A post just created or edited, with the service's warnings (SPEC §2.4)."""

    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


# ---------------------------------------------------------------- posts: input


class PostCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """Input of POST ``posts/``; the rules (ceiling, readers, membership) are the service's."""

    community = serializers.SlugField(help_text="The community's slug.")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    body_format = serializers.ChoiceField(choices=BODY_FORMATS, required=False, default="html")
    classification = serializers.ChoiceField(
        choices=LEVEL_CHOICES,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Required when the community's ceiling is above unclassified.",
    )
    readers = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        help_text="Usernames (strictly confidential only; members of the community).",
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language the text is written in (SPEC §7); default: the author's, else the site's.",
    )


class PostUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """Input of PATCH ``posts/{id}/``: any subset; ``reason`` for lowering the level."""

    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body_format = serializers.ChoiceField(choices=BODY_FORMATS, required=False)
    classification = serializers.ChoiceField(choices=LEVEL_CHOICES, required=False)
    readers = serializers.ListField(child=serializers.CharField(max_length=150), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
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


# ---------------------------------------------------------------- comments


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "post",
            "parent",
            "author",
            "body",
            "language",
            "status",
            "created_at",
            "updated_at",
            "can_edit",
        ]
        read_only_fields = fields

    def get_can_edit(self, comment) -> bool:
        user = request_user(self)
        return bool(user is not None and comment.author_id == user.pk)


class CommentWrittenSerializer(CommentSerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class CommentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(max_length=10000, trim_whitespace=False)
    parent = serializers.IntegerField(
        required=False, allow_null=True, help_text="The comment replied to."
    )


class CommentUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(max_length=10000, trim_whitespace=False)


# ---------------------------------------------------------------- likes and history


class LikeSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Like
        fields = ["username", "created_at"]
        read_only_fields = fields


LikeStateSerializer = inline_serializer(
    "LikeState",
    fields={"like_count": serializers.IntegerField(), "liked": serializers.BooleanField()},
)


class RevisionSerializer(serializers.Serializer):
    """One revision (a django-simple-history row) of a post or wiki page."""

    version = serializers.IntegerField(source="history_id", read_only=True)
    title = serializers.CharField(read_only=True)
    classification = serializers.ChoiceField(choices=LEVEL_CHOICES, read_only=True)
    history_date = serializers.DateTimeField(read_only=True)
    history_user = serializers.CharField(
        source="history_user.username", read_only=True, allow_null=True
    )
    history_type = serializers.ChoiceField(
        choices=[("+", "created"), ("~", "changed"), ("-", "deleted")], read_only=True
    )
    reason = serializers.CharField(source="history_change_reason", read_only=True, allow_null=True)


# ---------------------------------------------------------------- helpers


def with_readers(data: dict) -> dict:
    """Turn ``readers`` usernames into users (unknown names are a 400 on ``readers``)."""
    if "readers" in data:
        data["readers"] = lookup_users(data["readers"]) if data["readers"] else []
    return data


ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The post's id."
)
COMMENT_PARAMETER = OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)
# ---------------------------------------------------------------- posts: views


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("community", OpenApiTypes.STR, description="A community's slug."),
            OpenApiParameter("tag", OpenApiTypes.STR, description="A tag's name or slug."),
        ]
    ),
    retrieve=extend_schema(parameters=[ID_PARAMETER]),
    create=extend_schema(request=PostCreateSerializer, responses={201: PostWrittenSerializer}),
    partial_update=extend_schema(
        parameters=[ID_PARAMETER], request=PostUpdateSerializer, responses=PostWrittenSerializer
    ),
    destroy=extend_schema(parameters=[ID_PARAMETER], responses={204: None}),
)
class PostViewSet(AccessRuleViewSet):
    """Posts the current user may see (SPEC §2.2); everything else is 404."""

    queryset = Post.objects.all()
    serializer_class = PostSerializer
    pagination_class = ContentPagination
    lookup_url_kwarg = "id"
    lookup_value_regex = r"\d+"

    def get_base_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Post.objects.all()
        my_role = active_memberships(user, OuterRef("community_id")).values("role")[:1]
        posts = with_counts(Post.objects.select_related("community", "author"), user)
        return (
            posts.prefetch_related(
                "tags",
                Prefetch("reader_grants", queryset=PostReader.objects.select_related("user")),
            )
            .annotate(
                liked_by_me=Exists(Like.objects.filter(post=OuterRef("pk"), user_id=user.pk)),
                my_role=Subquery(my_role),
            )
            .order_by("-created_at", "-id")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.request.query_params
        for name in ("community", "tag"):
            if "\x00" in params.get(name, ""):
                # PostgreSQL refuses NUL in a string: say so, not 500.
                raise exceptions.ValidationError({name: [_("This value may not contain NUL characters.")]})
        if params.get("community"):
            queryset = queryset.filter(community__slug=params["community"])
        if params.get("tag"):
            queryset = queryset.filter(tags__slug=slugify(params["tag"]))
        return queryset

    def _context(self):
        return {"request": self.request}

    def _fresh(self, post):
        return self.get_queryset().get(pk=post.pk)

    def _written(self, post, warnings, code=status.HTTP_200_OK):
        data = PostWrittenSerializer(self._fresh(post), context=self._context()).data
        data["warnings"] = list(warnings)
        return Response(data, status=code)

    def _require_author(self, post):
        # The service's own check, before validating input: a non-author learns 403 rather
        # than field errors, by the same rule (and message) as the service at the write.
        services.require_can_change(self.request.user, post)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        services.log_views(request.user, page, via="api")
        return self.get_paginated_response(
            PostSerializer(page, many=True, context=self._context()).data
        )

    def retrieve(self, request, id=None):
        post = self.get_object()
        services.log_view(request.user, post, via="api")
        return Response(PostSerializer(post, context=self._context()).data)

    def create(self, request):
        serializer = PostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = with_readers(dict(serializer.validated_data))
        # An invisible community does not exist (SPEC §2.2): the same answer as a missing one.
        community = (
            Community.objects.visible_to(request.user).filter(slug=data.pop("community")).first()
        )
        if community is None:
            raise exceptions.ValidationError({"community": [_("Unknown community.")]})
        post, warnings = services.post_create(actor=request.user, community=community, **data)
        return self._written(post, warnings, status.HTTP_201_CREATED)

    def partial_update(self, request, id=None):
        post = self.get_object()
        self._require_author(post)
        serializer = PostUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = with_readers(dict(serializer.validated_data))
        post, warnings = services.post_update(actor=request.user, post=post, **data)
        return self._written(post, warnings)

    def destroy(self, request, id=None):
        post = self.get_object()
        self._require_author(post)
        services.post_withdraw(actor=request.user, post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- likes

    @extend_schema(
        methods=["POST", "DELETE"],
        parameters=[ID_PARAMETER],
        request=None,
        responses=LikeStateSerializer,
    )
    @action(detail=True, methods=["post", "delete"])
    def like(self, request, id=None):
        """Recommend the post (POST) or stop recommending it (DELETE)."""
        post = self.get_object()
        liked = request.method == "POST"
        count = services.post_like(actor=request.user, post=post, like=liked)
        return Response({"like_count": count, "liked": liked})

    @extend_schema(parameters=[ID_PARAMETER], responses=LikeSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=LikeSerializer)
    def likes(self, request, id=None):
        """Who recommended the post, most recent first."""
        post = self.get_object()
        likes = (
            Like.objects.visible_to(request.user)
            .filter(post=post)
            .select_related("user")
            .order_by("-created_at", "-id")
        )
        page = self.paginate_queryset(likes)
        return self.get_paginated_response(LikeSerializer(page, many=True).data)

    # -- comments

    def _comments(self, post):
        return (
            Comment.objects.visible_to(self.request.user)
            .filter(post=post)
            .select_related("author")
            .order_by("created_at", "id")
        )

    @extend_schema(
        methods=["GET"], parameters=[ID_PARAMETER], responses=CommentSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        parameters=[ID_PARAMETER],
        request=CommentCreateSerializer,
        responses={201: CommentWrittenSerializer},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=CommentSerializer)
    def comments(self, request, id=None):
        """The visible comments of a post, oldest first (GET); comment on it (POST)."""
        post = self.get_object()
        if request.method == "POST":
            return self._comment_create(request, post)
        services.log_view(request.user, post, via="api")
        page = self.paginate_queryset(self._comments(post))
        return self.get_paginated_response(
            CommentSerializer(page, many=True, context=self._context()).data
        )

    def _comment_create(self, request, post):
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        parent_id = serializer.validated_data.get("parent")
        if parent_id is not None:
            parent = self._comments(post).filter(pk=parent_id).first()
            if parent is None:
                raise exceptions.ValidationError(
                    {"parent": [_("You can only reply to a comment on this post.")]}
                )
        comment, warnings = services.comment_create(
            actor=request.user, post=post, body=serializer.validated_data["body"], parent=parent
        )
        data = CommentWrittenSerializer(comment, context=self._context()).data
        data["warnings"] = list(warnings)
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        parameters=[ID_PARAMETER, COMMENT_PARAMETER],
        request=CommentUpdateSerializer,
        responses=CommentSerializer,
    )
    @extend_schema(
        methods=["DELETE"], parameters=[ID_PARAMETER, COMMENT_PARAMETER], responses={204: None}
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"comments/(?P<comment_id>\d+)",
        serializer_class=CommentUpdateSerializer,
    )
    def comment(self, request, id=None, comment_id=None):
        """Edit (PATCH) or withdraw (DELETE) one's own comment."""
        post = self.get_object()
        comment = self._comments(post).filter(pk=comment_id).first()
        if comment is None:
            raise exceptions.NotFound()
        comment.post = post
        services.require_can_change(request.user, comment)
        if request.method == "DELETE":
            services.comment_withdraw(actor=request.user, comment=comment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_update(
            actor=request.user, comment=comment, body=serializer.validated_data["body"]
        )
        return Response(CommentSerializer(comment, context=self._context()).data)

    # -- history

    @extend_schema(parameters=[ID_PARAMETER], responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=RevisionSerializer)
    def history(self, request, id=None):
        """The post's revisions the user may see (SPEC §2.3), newest first."""
        post = self.get_object()
        services.log_view(request.user, post, via="api")
        page = self.paginate_queryset(services.visible_history(request.user, post))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)
