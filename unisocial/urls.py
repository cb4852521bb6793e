from django.contrib import admin
from django.urls import include, path

import communities.urls
import feed.urls
import feed.views
import posts.wiki_urls
import records.urls

from . import views
from .i18n import javascript_catalog

# The communities namespace: the communities' own pages, a community's front page (feed), its
# wiki pages (posts) and its owners' exports (records), composed here because communities may not
# import the apps above it.
communities_patterns = (
    communities.urls.urlpatterns + feed.urls.community_patterns + posts.wiki_urls.community_patterns
    + records.urls.community_patterns
)

urlpatterns = [
    path("", feed.views.home, name="home"),
    path("terms/", views.terms, name="terms"),
    path("policies/", views.policies, name="policies"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("communities/", include((communities_patterns, communities.urls.app_name))),
    # /posts/…, /tags/<slug>/ and /people/<username>/ (the posts namespace)
    path("", include("posts.urls")),
    path("", include("notifications.urls")),
    path("", include("feed.urls")),
    path("moderation/", include("moderation.urls")),
    path("records/", include("records.urls")),
    path("api/v1/", include("unisocial.api_urls")),
    path("admin/", admin.site.urls),
]
