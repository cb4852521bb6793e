"""Records management in the browser (SPEC §4).

* the owners' answer to a staleness flag (``still_in_use``);
* the records officers' report pages at ``/records/`` (everyone else 403,
  anonymous to the login page): inventory, stale communities, due for
  disposition, holds, batches and certificates, the access log of strictly
  confidential items. Each report is exported as CSV with ``?format=csv``.
* the long reports (inventory, due, access log) are computed in Celery
  (``records.report_runs``): their pages show the latest finished run, a
  button to run the report again (POST ``/records/reports/<kind>/run/``) and,
  while a run is queued or running, its progress, polled by ``records.js`` from
  ``/records/reports/<id>/progress.json`` (a "Refresh" link without JS). Their
  CSV exports the latest finished run (its number is in the file name).

Metadata only: no page or CSV here shows a title or a body. Charts are SVG
drawn on the server (sizes computed here, passed as attributes: the CSP
forbids inline styles and scripts).
"""
import functools
from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities.models import Community
from communities.selectors import get_community_for
from unisocial.classification import Level
from unisocial.csv_export import csv_response

from . import disposition, holds, report_runs, reports, staleness
from .models import BatchItem, ContentType, DispositionBatch, Hold, ReportRun

PAGE_SIZE = 50


@login_required
@require_POST
def still_in_use(request, slug):
    """An owner confirms a flagged community is still in use (others: 403; invisible: 404)."""
    community = get_community_for(request.user, slug)
    try:
        staleness.community_still_in_use(actor=request.user, community=community)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: %(community)s stays open.") % {"community": community.name})
    return redirect(community.get_absolute_url())


# --- helpers -----------------------------------------------------------------------------------


def officer_required(view):
    """Records officers only: anonymous users go to the login page, everyone else gets 403."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_records_officer:
            raise PermissionDenied(_("Only records officers may see the records reports."))
        return view(request, *args, **kwargs)

    return wrapped


def level_text(level) -> str:
    try:
        return str(Level(level).label)
    except ValueError:
        return level or ""


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def paginate(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def community_slugs(ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(Community.objects.filter(pk__in=ids).values_list("pk", "slug"))


def bar_chart(series, *, height=160, bar_width=28, gap=10, group_gap=24):
    """Geometry of a grouped bar chart as attributes for an SVG.

    ``series``: ``[(group_label, [(key, label, value), ...]), ...]``. Returns the
    groups with their bars' x, y, width, height (integers) and the chart's size.
    """
    top = max((v for _g, bars in series for _k, _l, v in bars), default=0) or 1
    groups, x = [], 40
    for group_label, bars in series:
        drawn, start = [], x
        for key, label, value in bars:
            h = round(value * height / top)
            drawn.append({"key": key, "label": label, "value": value, "x": x, "y": 10 + height - h,
                          "width": bar_width, "height": h})
            x += bar_width + gap
        groups.append({"label": group_label, "bars": drawn, "x": start, "mid": (start + x - gap) // 2})
        x += group_gap
    return {"groups": groups, "width": max(x + 10, 200), "height": height + 50, "base": 10 + height,
            "top": top, "label_y": height + 30}


# --- report runs (the long reports, computed in Celery) -----------------------------------------


REPORT_PAGES = {
    ReportRun.Kind.INVENTORY: "records:inventory",
    ReportRun.Kind.DUE: "records:due",
    ReportRun.Kind.ACCESS_LOG: "records:access_log",
}


def run_panel(kind) -> dict:
    """What a long report's page shows of its runs: the latest finished one (its result), and the
    newest one if it is still under way or failed. Two queries, whatever the size of the report."""
    current = report_runs.latest_run(kind)
    latest = report_runs.latest_finished_run(kind) if current else None
    stalled = bool(current and report_runs.is_stalled(current))
    state = current.state if current else None
    return {
        "kind": kind,
        "current": current,
        "latest": latest,
        "active": state in report_runs.ACTIVE_STATES and not stalled,
        "problem": stalled or state == ReportRun.State.FAILED,
        "status": report_runs.status_text(current),
        "run_url": reverse("records:report_run", args=[kind]),
        "progress_url": reverse("records:report_progress", args=[current.pk]) if current else "",
    }


def no_run_csv() -> HttpResponse:
    return HttpResponse(_("This report has not been computed yet: run it from its page first."),
                        status=404, content_type="text/plain; charset=utf-8")


def run_filename(stem, run) -> str:
    return f"{stem}-run-{run.pk}-{run.finished_at:%Y%m%dT%H%M%SZ}.csv"


@officer_required
@require_POST
def report_run(request, kind):
    """Run a long report again (records officers; CSRF): queued on commit, then back to its page."""
    if kind not in REPORT_PAGES:
        raise Http404
    run, created = report_runs.report_request(actor=request.user, kind=kind)
    if created:
        messages.success(request, _("Report run %(id)s requested: this page shows its progress.") % {"id": run.pk})
    else:
        messages.info(request, _("Report run %(id)s is already under way: this page shows its progress.")
                      % {"id": run.pk})
    return redirect(REPORT_PAGES[kind])


@officer_required
def report_progress(request, pk):
    """A run's progress for ``records.js``: state, ``done``/``total`` steps, one sentence to read out."""
    run = get_object_or_404(ReportRun.objects.defer("result"), pk=pk)
    stalled = report_runs.is_stalled(run)
    return JsonResponse({
        "id": run.pk,
        "kind": run.kind,
        "state": "stalled" if stalled else run.state,
        "done": run.done,
        "total": run.total,
        "text": _("%(done)d of %(total)d steps") % {"done": run.done, "total": run.total},
        "status": _("Run %(id)s: %(status)s") % {"id": run.pk, "status": report_runs.status_text(run)},
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }, headers={"Cache-Control": "no-store"})


# --- dashboard and reports ---------------------------------------------------------------------


@officer_required
def dashboard(request):
    runs = []
    for kind, url in REPORT_PAGES.items():
        current = report_runs.latest_run(kind)
        runs.append({"label": ReportRun.Kind(kind).label, "url": reverse(url), "run": current,
                     "status": report_runs.status_text(current)})
    return render(request, "records/dashboard.html", {"report_runs": runs})


INVENTORY_HEADER = ["community", "type", "classification", "age", "count"]
AGE_LABELS = reports.AGE_LABELS


@officer_required
def inventory(request):
    panel = run_panel(ReportRun.Kind.INVENTORY)
    latest = panel["latest"]
    if wants_csv(request):
        if latest is None:
            return no_run_csv()
        return csv_response(run_filename("records-inventory", latest), INVENTORY_HEADER, (
            [r["community"], r["type"], level_text(r["classification"]), r["age"], r["count"]]
            for r in latest.result.get("rows", [])
        ))
    rows = latest.result.get("rows", []) if latest else []
    totals = defaultdict(int)
    for r in rows:
        totals[(r["age"], r["classification"])] += r["count"]
    series = [
        (age, [(level.value, level.label, totals[(age, level.value)]) for level in Level]) for age in AGE_LABELS
    ]
    summary = [
        {"age": age, "cells": [totals[(age, level.value)] for level in Level]} for age in AGE_LABELS
    ]
    return render(request, "records/inventory.html", {
        "run": panel,
        "page_obj": paginate(request, rows, 100),
        "chart": bar_chart(series),
        "levels": list(Level),
        "summary": summary,
        "total": sum(r["count"] for r in rows),
    })


STALE_HEADER = ["community", "name", "state", "last_activity_at", "flagged_at", "grace_until", "resolved_at",
                "resolved_by", "is_archived"]


@officer_required
def stale(request):
    rows = reports.stale()
    if wants_csv(request):
        return csv_response("records-stale.csv", STALE_HEADER, ([r[f] for f in STALE_HEADER] for r in rows))
    return render(request, "records/stale.html", {"page_obj": paginate(request, rows)})


DUE_HEADER = ["schedule", "name", "content_type", "classification", "retain_days", "disposition", "due_now",
              "due_next_months"]


@officer_required
def due(request):
    panel = run_panel(ReportRun.Kind.DUE)
    latest = panel["latest"]
    if wants_csv(request) and latest is None:
        return no_run_csv()
    result = latest.result if latest else {}
    data = {"as_of": parse_datetime(result["as_of"]) if result.get("as_of") else None,
            "schedules": result.get("schedules", []), "forecast": result.get("forecast", [])}
    if wants_csv(request):
        rows = [
            [s["schedule"], s["name"], s["content_type"],
             level_text(s["classification"]) if s["classification"] else _("Any level"),
             s["retain_days"], s["disposition"], s["due_now"], s["due_next_months"]]
            for s in data["schedules"]
        ]
        rows += [["forecast", m["month"], "", "", "", "", "", m["count"]] for m in data["forecast"]]
        return csv_response(run_filename("records-due", latest), DUE_HEADER, rows)
    series = [(m["month"], [("due", m["month"], m["count"])]) for m in data["forecast"]]
    return render(request, "records/due.html", {
        "run": panel,
        "data": data,
        "chart": bar_chart(series, group_gap=8) if series else None,
    })


# --- holds -------------------------------------------------------------------------------------


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


# --- batches -----------------------------------------------------------------------------------


BATCHES_HEADER = ["id", "schedule", "content_type", "disposition", "state", "as_of", "gathered_at", "approved_by",
                  "approved_at", "finished_at", "total", "done", "disposed", "skipped"]


def _batches():
    return DispositionBatch.objects.select_related("schedule", "approved_by").order_by("-gathered_at", "-id")


@officer_required
def batch_list(request):
    qs = _batches()
    if wants_csv(request):
        return csv_response("records-batches.csv", BATCHES_HEADER, (
            [b.pk, b.schedule.name, b.schedule.content_type, b.schedule.disposition, b.state, b.as_of, b.gathered_at,
             b.approved_by.username if b.approved_by else "", b.approved_at, b.finished_at, b.total, b.done,
             b.disposed, b.skipped]
            for b in qs
        ))
    return render(request, "records/batches.html", {"page_obj": paginate(request, qs)})


ITEMS_HEADER = ["type", "id", "classification", "community", "last_activity_at", "state", "processed_at"]


@officer_required
def batch_detail(request, pk):
    batch = get_object_or_404(_batches(), pk=pk)
    items = BatchItem.objects.filter(batch=batch).order_by("id")
    if wants_csv(request):
        items = list(items)
        slugs = community_slugs(i.community_id for i in items)
        return csv_response(f"disposition-batch-{batch.pk}.csv", ITEMS_HEADER, (
            [i.target_type, i.target_id, level_text(i.classification), slugs.get(i.community_id),
             i.last_activity_at, i.get_state_display(), i.processed_at]
            for i in items
        ))
    page = paginate(request, items)
    slugs = community_slugs(i.community_id for i in page)
    return render(request, "records/batch_detail.html", {
        "batch": batch,
        "page_obj": page,
        "rows": [{"item": i, "community": slugs.get(i.community_id)} for i in page],
        "api_url": f"/api/v1/records/batches/{batch.pk}/",
        "can_approve": batch.state == DispositionBatch.State.PENDING,
    })


@officer_required
@require_POST
def batch_approve(request, pk):
    batch = get_object_or_404(DispositionBatch, pk=pk)
    try:
        disposition.batch_approve(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Batch %(id)s approved: it will run shortly.") % {"id": batch.pk})
    return redirect("records:batch", pk=batch.pk)


def _certificate_rows(batch):
    return [
        {**row, "classification_label": level_text(row["classification"])}
        for row in disposition.certificate_rows(batch)
    ]


@officer_required
def batch_certificate(request, pk):
    batch = get_object_or_404(_batches(), pk=pk)
    if wants_csv(request):
        return batch_certificate_csv(request, pk)
    return render(request, "records/certificate.html", {
        "batch": batch, "rows": _certificate_rows(batch),
        "csv_url": reverse("records:certificate_csv", args=[batch.pk]),
    })


@officer_required
def batch_certificate_csv(request, pk):
    batch = get_object_or_404(DispositionBatch, pk=pk)
    # The canonical CSV (levels as stored, not translated labels): the same bytes here and in the API.
    response = HttpResponse(disposition.certificate_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disposition-certificate-{batch.pk}.csv"'
    return response


# --- access log --------------------------------------------------------------------------------


ACCESS_HEADER = ["at", "user", "target_type", "target_id", "classification", "community", "via"]


@officer_required
def access_log(request):
    panel = run_panel(ReportRun.Kind.ACCESS_LOG)
    latest = panel["latest"]
    result = latest.result if latest else {}
    rows = result.get("rows", [])
    if wants_csv(request):
        if latest is None:
            return no_run_csv()
        return csv_response(run_filename("records-access-log", latest), ACCESS_HEADER, (
            [e["at"], e["user"], e["target_type"], e["target_id"], level_text(e["classification"]),
             e["community"] or "", e["via"]]
            for e in rows
        ))
    page = paginate(request, rows)
    return render(request, "records/access_log.html", {
        "run": panel,
        "page_obj": page,
        "entries": [{**e, "at": parse_datetime(e["at"])} for e in page],
        "logged": result.get("total", 0),
        "truncated": result.get("truncated", False),
        "cap": result.get("cap"),
    })
