from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("terms/", views.terms, name="terms"),
    path("policies/", views.policies, name="policies"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("communities/", include("communities.urls")),
    # /posts/…, /tags/<slug>/ and /people/<username>/ (the posts namespace)
    path("", include("posts.urls")),
    path("", include("notifications.urls")),
    path("", include("posts.feed_urls")),
    path("moderation/", include("moderation.urls")),
    path("records/", include("records.urls")),
    path("api/v1/", include("unisocial.api_urls")),
    path("admin/", admin.site.urls),
]
