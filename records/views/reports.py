"""The records officers' dashboard and long reports in the browser (SPEC §4).

* the dashboard at ``/records/``: the reports, with the state of each long report's latest run;
* the long reports — inventory, due for disposition, the access log of strictly confidential
  items — are computed in Celery (``records.report_runs``): their pages show the latest
  finished run, a button to run the report again (POST ``/records/reports/<kind>/run/``) and,
  while a run is queued or running, its progress, polled by ``records.js`` from
  ``/records/reports/<id>/progress.json`` (a "Refresh" link without JS). Their CSV
  (``?format=csv``) exports the latest finished run (its number is in the file name).
"""
from collections import defaultdict

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unisocial.classification import Level
from unisocial.csv_export import csv_response

from .. import report_runs, reports
from ..models import ReportRun
from .common import bar_chart, level_text, officer_required, paginate, wants_csv

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


# --- dashboard and the long reports ------------------------------------------------------------


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
