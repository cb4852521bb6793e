"""The site's URL conf plus one page that fails (the friendly 500 test only)."""

from django.urls import path

from unisocial.urls import urlpatterns as site_patterns


def fails(request):
    raise RuntimeError("secret internals")


urlpatterns = [path("fails/", fails), *site_patterns]
