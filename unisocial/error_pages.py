"""Friendly error pages for everyone, the demo (``DEBUG=True``) included (SPEC §3, §1).

Django shows its technical pages whenever ``DEBUG`` is on: a 404 that lists the URL patterns,
a 500 with the traceback and the settings. The demo runs with ``DEBUG=True``, so a person
who meets a hidden item or a bug would read them. This middleware answers with the site's own
``404.html`` and ``500.html`` instead (403 is already ``403.html`` in every mode), unless
``DEBUG_TECHNICAL_PAGES`` asks for the technical pages (a developer's setting, off by default).
With ``DEBUG=False`` it does nothing: Django's own handlers render the same templates.
"""

from django.conf import settings
from django.http import Http404
from django.template import loader
from django.urls import Resolver404, get_urlconf, resolve
from django.views import defaults
from django.views.debug import ExceptionReporter


def _friendly() -> bool:
    return settings.DEBUG and not settings.DEBUG_TECHNICAL_PAGES


class FriendlyErrorReporter(ExceptionReporter):
    """What ``DEBUG``'s 500 shows a person: the site's ``500.html``, rendered without a request
    context (whatever failed may be what a context processor needs). The traceback still goes to
    the log (Django logs every 500 before it renders the page)."""

    def get_traceback_html(self):
        return loader.get_template("500.html").render()

    def get_traceback_text(self):
        return "Server error (500): something went wrong on our side.\n"


class FriendlyErrorPagesMiddleware:
    """Last in ``MIDDLEWARE``: the page knows who is signed in, and CommonMiddleware (outside)
    still turns a 404 of an address without its slash into a redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _friendly():
            request.exception_reporter_class = FriendlyErrorReporter
            try:
                resolve(request.path_info, get_urlconf())
            except Resolver404 as error:
                return defaults.page_not_found(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if _friendly() and isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        return None
