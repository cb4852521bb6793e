"""Disposition batches in the browser (SPEC §4): the list, a batch's items (metadata only),
approving a pending batch, and the certificate of what was disposed of (page and CSV)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unisocial.csv_export import csv_response

from .. import disposition
from ..models import BatchItem, DispositionBatch
from .common import community_slugs, level_text, officer_required, paginate, wants_csv

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
