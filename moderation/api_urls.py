"""Moderation under /api/v1/ (SPEC §6)."""
from django.urls import path

from . import api

urlpatterns = [
    path("flags/", api.FlagCreateView.as_view(), name="api-flags"),
    path("communities/<slug:slug>/moderation/", api.CommunityQueueView.as_view(), name="api-community-moderation"),
    path(
        "moderation/<str:target_type>/<int:target_id>/",
        api.ModerateView.as_view(),
        name="api-moderate",
    ),
]
