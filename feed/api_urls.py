"""API routes of the feed and search, included in ``unisocial.api_urls``
before its catch-all."""
from django.urls import path

from .api import FeedViewSet, SearchView

urlpatterns = [
    path("feed/", FeedViewSet.as_view({"get": "list"}), name="api-feed"),
    path("search/", SearchView.as_view(), name="api-search"),
]
