"""HTML routes of the feed and search, included at the project root.

``/`` itself is ``feed.views.home``, routed in ``unisocial.urls``;
``/people/<username>/`` (the profile) is ``posts:profile``, whose page holds
the follow button (``feed/_follow_button.html``).
"""
from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("people/<str:username>/follow/", views.follow, name="follow"),
    path("people/<str:username>/unfollow/", views.unfollow, name="unfollow"),
]

# A community's front page, composed into the ``communities`` namespace in ``unisocial.urls``
# (the page reads posts and records, which ``communities.urls`` may not import).
community_patterns = [
    path("<slug:slug>/", views.community, name="detail"),
]
