"""HTML routes of the feed and search, included at the project root.

``/`` itself is ``unisocial.views.home`` (which is ``posts.feed_views.home``);
``/people/<username>/`` (the profile) is ``posts:profile``, whose page holds
the follow button (``feed/_follow_button.html``).
"""
from django.urls import path

from . import feed_views

urlpatterns = [
    path("search/", feed_views.search_page, name="search"),
    path("people/<str:username>/follow/", feed_views.follow, name="follow"),
    path("people/<str:username>/unfollow/", feed_views.unfollow, name="unfollow"),
]
