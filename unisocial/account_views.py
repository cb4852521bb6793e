"""A person's own sign-in settings (SPEC §7): the system managers' second factor and API tokens.

* ``/accounts/otp/enrol/`` and ``/accounts/otp/``: after a password, a system manager with no
  confirmed authenticator enrols one (a QR code of its ``otpauth://`` address and the key in text),
  confirming it with a code; one who has it types a code. Until then the session reaches nothing
  else (``unisocial.middleware.SecondFactorMiddleware``). Wrong codes are throttled by django-otp
  (each failure doubles the wait before the next try).
* ``/settings/tokens/``: the owner's API tokens — created (the token shown once, on the answer to
  the form, never again), listed and revoked. Nobody sees or revokes another's: an id that is not
  the person's own answers 404 (``unisocial.tokens``).
"""
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import tokens
from .middleware import needs_second_factor
from .views import _safe_next


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        help_text=gettext_lazy("The 6 digits your authenticator app shows now for unisocial."),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*", "size": 8}
        ),
    )

    def clean_otp_token(self):
        code = self.cleaned_data["otp_token"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("Type the digits only."))
        return code


def _check_code(form, device) -> bool:
    """Whether the form's code is the device's now, under django-otp's throttling; errors on the form."""
    if not form.is_valid():
        return False
    allowed, data = device.verify_is_allowed()
    if not allowed:
        until = data.get("locked_until") if data else None
        wait = max(1, int((until - timezone.now()).total_seconds())) if until else 1
        form.add_error("otp_token", _("Too many wrong codes. Wait %(seconds)d seconds, then try again.")
                       % {"seconds": wait})
        return False
    if not device.verify_token(form.cleaned_data["otp_token"]):
        form.add_error("otp_token", _("That code is not right. Type the code your app shows now."))
        return False
    return True


def _after(request):
    return _safe_next(request, request.POST.get("next") or request.GET.get("next")) or "home"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def otp_verify(request):
    if not needs_second_factor(request):
        return redirect(_after(request))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"{_enrol_url()}?{urlencode({'next': _after_param(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _check_code(form, device):
        otp_login(request, device)
        return redirect(_after(request))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _after_param(request)},
                  status=status)


def _enrol_url():
    from django.urls import reverse

    return reverse("otp-enrol")


def _after_param(request):
    return _safe_next(request, request.POST.get("next") or request.GET.get("next")) or ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def otp_enrol(request):
    if not needs_second_factor(request):
        return redirect(_after(request))
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("otp-verify")
    # The same unconfirmed key on every visit until it is confirmed (the app may be set up slowly).
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=_("Authenticator app"), confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _check_code(form, device):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        otp_login(request, device)
        messages.success(request, _("Your authenticator app is set up. You will need a code at each sign-in."))
        return redirect(_after(request))
    url = device.config_url
    key = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _after_param(request),
        # An SVG image in a data: address (the CSP allows img data:), no inline style or script.
        "qr_src": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
        "key_groups": " ".join(key[i:i + 4] for i in range(0, len(key), 4)),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/otp_enrol.html", context, status=status)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, so that you recognise it in the list (e.g. “report script”)."),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Expires after"),
        coerce=int,
        choices=tokens.duration_choices,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = tokens.default_days()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            row, text = tokens.create_token(request.user, form.cleaned_data["name"], form.cleaned_data["days"])
            created = {"row": row, "text": text}
            form = TokenForm()
            status = 201
        else:
            status = 400
    rows = list(tokens.owned_by(request.user).filter(expiry__gt=timezone.now()))
    return render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "created": created},
                  status=status)


@login_required
@require_POST
def api_token_revoke(request, token_id):
    row = tokens.owned_by(request.user).filter(pk=token_id).first()
    if row is None:
        raise Http404
    name = row.name
    row.delete()
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": name})
    return redirect("api-tokens")

