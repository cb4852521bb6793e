"""Holds in the browser (SPEC §4): the list (all, active, released; CSV), the form that
places a hold, and releasing one. The service (``records.holds``) checks and refuses; a
refusal is shown on the form (400) or as a message."""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from unisocial.csv_export import csv_response

from .. import holds
from ..models import ContentType, Hold
from .common import community_slugs, officer_required, paginate, wants_csv


class HoldForm(forms.Form):
    target_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=ContentType.choices)
    target_id = forms.CharField(label=gettext_lazy("Item id, or community slug"), max_length=80)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Hold.Category.choices,
                                 initial=Hold.Category.OTHER)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


HOLDS_HEADER = ["id", "target_type", "target_id", "community", "category", "reason", "placed_by", "placed_at",
                "active", "released_by", "released_at", "release_note"]


def _hold_rows(page):
    slugs = community_slugs(h.community_id for h in page)
    return [{"hold": h, "community": slugs.get(h.community_id)} for h in page]


@officer_required
def hold_list(request):
    qs = Hold.objects.select_related("placed_by", "released_by").order_by("-placed_at", "-id")
    show = request.GET.get("show", "")
    if show == "active":
        qs = qs.filter(released_at__isnull=True)
    elif show == "released":
        qs = qs.filter(released_at__isnull=False)
    if wants_csv(request):
        all_holds = list(qs)
        slugs = community_slugs(h.community_id for h in all_holds)
        return csv_response("records-holds.csv", HOLDS_HEADER, (
            [h.pk, h.target_type, h.target_id, slugs.get(h.community_id), h.category, h.reason,
             h.placed_by.username, h.placed_at, "yes" if h.is_active else "no",
             h.released_by.username if h.released_by else "", h.released_at, h.release_note]
            for h in all_holds
        ))
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hold = holds.hold_place(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Hold %(id)s placed.") % {"id": hold.pk})
            return redirect("records:holds")
    page = paginate(request, qs)
    return render(request, "records/holds.html", {
        "page_obj": page, "rows": _hold_rows(page), "form": form, "show": show,
    }, status=400 if form.errors else 200)


@officer_required
@require_POST
def hold_release(request, pk):
    hold = get_object_or_404(Hold, pk=pk)
    try:
        holds.hold_release(actor=request.user, hold=hold, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Hold %(id)s released.") % {"id": hold.pk})
    return redirect("records:holds")
