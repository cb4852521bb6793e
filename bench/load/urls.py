"""URLs of the load test: the whole site, plus ``/bench/minimal/`` — the ceiling.

The minimal view returns a few bytes and touches nothing, but the request still
passes every middleware of the site (sessions, CSRF, authentication, the terms
gate, security headers, history): the highest rate this server can answer a
logged-in request at, against which the real pages are compared.
"""
from django.http import HttpResponse
from django.urls import path

from unisocial.urls import urlpatterns as site_urlpatterns


def minimal(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal, name="bench-minimal"), *site_urlpatterns]
