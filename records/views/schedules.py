"""Retention schedules in the browser (SPEC §4): the list, creating and editing a schedule,
its history (who, when, what changed), and "Gather now". Records officers only.

The form checks types; ``records.schedules`` checks the rules and answers with field errors
(one schedule per type and level, one "any level" schedule per type), shown on their fields
with a 400, never a 500.
"""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from unisocial.classification import Level

from .. import schedules
from ..models import ContentType, Disposition, RetentionSchedule
from .common import officer_required, paginate


class ScheduleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    content_type = forms.ChoiceField(label=gettext_lazy("Content type"), choices=ContentType.choices)
    classification = forms.ChoiceField(
        label=gettext_lazy("Classification level"), required=False,
        choices=[("", gettext_lazy("Any level (not covered by a schedule of its own)")), *Level.choices],
        help_text=gettext_lazy("A schedule for one level wins over the “any level” schedule of the same type."),
    )
    retain_days = forms.IntegerField(
        label=gettext_lazy("Retain (days after last activity)"), min_value=1, max_value=schedules.MAX_RETAIN_DAYS,
    )
    disposition = forms.ChoiceField(label=gettext_lazy("Disposition"), choices=Disposition.choices)
    authority = forms.CharField(
        label=gettext_lazy("Authority"), max_length=200, required=False,
        help_text=gettext_lazy("The reference of the instrument that approved this schedule."),
    )
    justification = forms.CharField(label=gettext_lazy("Justification"), max_length=4000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    restore_days = forms.IntegerField(
        label=gettext_lazy("Restore window (days)"), min_value=1, max_value=schedules.MAX_RESTORE_DAYS,
        initial=schedules.DEFAULT_RESTORE_DAYS,
        help_text=gettext_lazy("How long a disposed item stays in quarantine, restorable, before it is purged."),
    )


def _save_form(request, form, write):
    """Run ``write(**cleaned_data)``; a refusal lands on its fields. Returns the schedule or None."""
    if not (request.method == "POST" and form.is_valid()):
        return None
    try:
        return write(**form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    return None


@officer_required
def schedule_list(request):
    qs = RetentionSchedule.objects.select_related("created_by").order_by("content_type", "classification", "name")
    return render(request, "records/schedules.html", {"page_obj": paginate(request, qs)})


@officer_required
def schedule_create(request):
    form = ScheduleForm(request.POST or None)
    schedule = _save_form(request, form, lambda **data: schedules.schedule_create(actor=request.user, **data))
    if schedule is not None:
        messages.success(request, _("Schedule “%(name)s” created.") % {"name": schedule.name})
        return redirect("records:schedules")
    return render(request, "records/schedule_form.html", {"form": form, "schedule": None},
                  status=400 if form.errors else 200)


@officer_required
def schedule_edit(request, pk):
    schedule = get_object_or_404(RetentionSchedule, pk=pk)
    initial = {f: getattr(schedule, f) for f in schedules.FIELDS}
    initial["classification"] = schedule.classification or ""
    form = ScheduleForm(request.POST or None, initial=initial)
    saved = _save_form(request, form, lambda **data: schedules.schedule_update(
        actor=request.user, schedule=schedule, **data))
    if saved is not None:
        messages.success(request, _("Schedule “%(name)s” saved. Batches already gathered keep the rule they "
                                    "were gathered under.") % {"name": saved.name})
        return redirect("records:schedules")
    return render(request, "records/schedule_form.html", {"form": form, "schedule": schedule},
                  status=400 if form.errors else 200)


@officer_required
def schedule_history(request, pk):
    schedule = get_object_or_404(RetentionSchedule, pk=pk)
    page = paginate(request, schedules.schedule_history(schedule))
    return render(request, "records/schedule_history.html", {"schedule": schedule, "page_obj": page})


@officer_required
@require_POST
def gather_now(request):
    """"Gather now": the gathering job in Celery (in process under the embedded default)."""
    from ..tasks import gather_now_task

    result = gather_now_task.delay(request.user.pk)
    if result.ready():
        summary = result.get() or {}
        batches, items = summary.get("batches", 0), summary.get("items", 0)
        if batches:
            messages.success(request, _("Gathered %(items)s into %(batches)s, waiting for review.") % {
                "items": ngettext("%(n)d due item", "%(n)d due items", items) % {"n": items},
                "batches": ngettext("%(n)d new batch", "%(n)d new batches", batches) % {"n": batches},
            })
        else:
            messages.info(request, _("Nothing is due: no new batch was gathered."))
    else:
        messages.info(request, _("Gathering started: new batches appear in the list in a moment."))
    return redirect("records:batches")
