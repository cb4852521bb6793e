"""The answer to a locked-out password sign-in (django-axes' AXES_LOCKOUT_CALLABLE, SPEC §7).

The login page again, status 429, saying plainly that sign-in is paused and for how long — on
/accounts/login/ and on both admin sites' logins alike. It never says whether the username
exists or whether the password was right.
"""
import math

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import ngettext


def cooloff_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed sign-in attempts for this account or from this address. "
        "Sign-in is paused for %(minutes)d minute; try again after that.",
        "Too many failed sign-in attempts for this account or from this address. "
        "Sign-in is paused for %(minutes)d minutes; try again after that.",
        minutes,
    ) % {"minutes": minutes}


def locked_out(request, original_response=None, credentials=None):
    form = AuthenticationForm(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "lockout_message": lockout_message(), "next": next_url},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
