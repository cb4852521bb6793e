"""Site-wide pages: terms of use, policies (SPEC §1, §5, §6); ``/``, the home feed, is ``feed.views.home``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language as django_set_language

from .models import TermsAcceptance, TermsVersion


def _safe_next(request, candidate):
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def terms(request):
    """The current terms of use; an authenticated user accepts them here (ST/SGB/2004/15)."""
    current = TermsVersion.current()
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    acceptance = None
    if current is not None and user.is_authenticated:
        acceptance = user.terms_acceptances.filter(terms=current).first()

    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if current is None:
            return redirect(next_url or "home")
        if request.POST.get("version") != current.version:
            # A newer version was published while the page was open: read it first.
            messages.error(
                request, _("The terms of use have changed. Please read the new version.")
            )
            return redirect(request.get_full_path())
        TermsAcceptance.objects.get_or_create(user=user, terms=current)
        messages.success(
            request,
            _("You accepted the terms of use, version %(version)s.") % {"version": current.version},
        )
        return redirect(next_url or "home")

    return render(
        request,
        "pages/terms.html",
        {"terms": current, "acceptance": acceptance, "next": next_url or ""},
    )


# The instruments of the guidelines' §4.1 a–g (SPEC §5).
POLICY_INSTRUMENTS = [
    (
        "a",
        ["ST/SGB/2004/15"],
        gettext_lazy("Use of information and communication technology resources and data"),
    ),
    ("b", ["ST/SGB/2007/6"], gettext_lazy("Information sensitivity, classification and handling")),
    (
        "c",
        ["ST/SGB/2007/5"],
        gettext_lazy("Record-keeping and the management of United Nations archives"),
    ),
    (
        "d",
        ["ST/SGB/2016/9"],
        gettext_lazy(
            "Staff Regulations and Rules of the United Nations, and the Standards of Conduct "
            "for the International Civil Service"
        ),
    ),
    (
        "e",
        ["ST/SGB/2019/8"],
        gettext_lazy(
            "Addressing discrimination, harassment, including sexual harassment, "
            "and abuse of authority"
        ),
    ),
    (
        "f",
        ["ST/AI/2005/10"],
        gettext_lazy(
            "Information and communication technology security, and the information security "
            "policies cited by section 4.1 of the guidelines"
        ),
    ),
    ("g", [], gettext_lazy("The organisation's guidelines on the use of social media")),
]


def policies(request):
    return render(request, "pages/policies.html", {"instruments": POLICY_INSTRUMENTS})


LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def remember_language(request, response, language: str) -> None:
    """Keep ``language`` (one of ``settings.LANGUAGES``, or blank: the browser's) on the signed-in
    person and in the language cookie, so it holds across sessions and on anonymous pages."""
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH,
                               domain=settings.LANGUAGE_COOKIE_DOMAIN)


def set_language(request):
    """The header's language switch (SPEC §7): Django's ``set_language`` (the cookie, a same-site
    ``next`` only), and for a signed-in person their own language, kept across sessions."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and language in LANGUAGE_CODES:
        remember_language(request, response, language)
    return response
