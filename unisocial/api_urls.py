"""The JSON API, /api/v1/ (SPEC §6). Session and token auth; schema at ``schema/``."""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter
from rest_framework.settings import api_settings

from communities.api import CommunityViewSet, PeopleView
from posts.api import PostViewSet
from posts.wiki_api import WikiPageViewSet
from records.api_urls import community_patterns as community_export_patterns

from .api_views import AcceptTermsView, ApiDocsView, MeView, MyTokensView, MyTokenView, NotFoundView

router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="community")
router.register(r"communities/(?P<slug>[^/.]+)/wiki", WikiPageViewSet, basename="wiki-page")
router.register("posts", PostViewSet, basename="post")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("me/accept-terms/", AcceptTermsView.as_view(), name="api-accept-terms"),
    # My API tokens (SPEC §7): list, create (shown once), revoke
    path("me/tokens/", MyTokensView.as_view(), name="api-my-tokens"),
    path("me/tokens/<int:token_id>/", MyTokenView.as_view(), name="api-my-token"),
    # The people picker (adding members; strictly confidential readers from the members only)
    path("people/", PeopleView.as_view(), name="api-people"),
    # communities/{slug}/export/ and communities/{slug}/exports/{id}/ (records: an owner's export)
    path("communities/", include(community_export_patterns)),
    *router.urls,
    path("", include("notifications.api_urls")),
    path("", include("feed.api_urls")),
    path("", include("moderation.api_urls")),
    path("records/", include("records.api_urls")),
    # The schema is for authorized users, like every other endpoint.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=api_settings.DEFAULT_PERMISSION_CLASSES),
        name="api-schema",
    ),
    # The schema as a browsable page (Swagger UI from our own static files), for the same users.
    path("docs/", ApiDocsView.as_view(), name="api-docs"),
    # Keep last: unknown paths under /api/v1/ answer JSON 404, not an HTML page.
    re_path(r"", NotFoundView.as_view()),
]
