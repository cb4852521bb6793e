"""Disposition batches in the browser (SPEC §4): the list, a batch's items (metadata only),
the office of record's confirmation page (owners), the approval page that sums the batch up
and asks for its number (records officers), the quarantine with its restore buttons, and the
stored certificate (page and CSV)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.models import Community
from unisocial.csv_export import csv_response

from .. import disposition, quarantine
from ..models import BatchItem, Certificate, ContentType, DispositionBatch
from .common import community_slugs, level_text, officer_required, paginate, wants_csv

BATCHES_HEADER = ["id", "schedule", "content_type", "disposition", "state", "as_of", "gathered_at", "approved_by",
                  "approved_at", "finished_at", "total", "done", "disposed", "skipped"]


def _batches():
    return DispositionBatch.objects.select_related("approved_by").order_by("-gathered_at", "-id")


@officer_required
def batch_list(request):
    qs = _batches()
    if wants_csv(request):
        return csv_response("records-batches.csv", BATCHES_HEADER, (
            [b.pk, b.schedule_name, b.content_type, b.disposition, b.state, b.as_of, b.gathered_at,
             b.approved_by.username if b.approved_by else "", b.approved_at, b.finished_at, b.total, b.done,
             b.disposed, b.skipped]
            for b in qs
        ))
    return render(request, "records/batches.html", {"page_obj": paginate(request, qs)})


ITEMS_HEADER = ["type", "id", "classification", "community", "last_activity_at", "state", "reason", "processed_at"]


@officer_required
def batch_detail(request, pk):
    batch = get_object_or_404(_batches(), pk=pk)
    items = BatchItem.objects.filter(batch=batch).order_by("id")
    if wants_csv(request):
        items = list(items)
        slugs = community_slugs(i.community_id for i in items)
        return csv_response(f"disposition-batch-{batch.pk}.csv", ITEMS_HEADER, (
            [i.target_type, i.target_id, level_text(i.classification), slugs.get(i.community_id),
             i.last_activity_at, i.get_state_display(), i.reason, i.processed_at]
            for i in items
        ))
    page = paginate(request, items)
    slugs = community_slugs(i.community_id for i in page)
    return render(request, "records/batch_detail.html", {
        "batch": batch,
        "page_obj": page,
        "rows": [{"item": i, "community": slugs.get(i.community_id)} for i in page],
        "communities": batch.communities.select_related("confirmed_by"),
        "api_url": f"/api/v1/records/batches/{batch.pk}/",
        "can_approve": batch.state == DispositionBatch.State.CONFIRMED,
        "certificate": Certificate.objects.filter(batch=batch).first(),
    })


# --- office of record ------------------------------------------------------------------------


def _titles_as_seen_by(user, items) -> dict:
    """Each item's title as the access rule lets ``user`` see it (SPEC §2.2); an item they may not
    see is absent (shown as its type and id only)."""
    titles = {}
    for kind in {i.target_type for i in items}:
        ids = [i.target_id for i in items if i.target_type == kind]
        model = disposition.item_model(kind)
        field = "name" if kind == ContentType.COMMUNITY else "title"
        for pk, title in model.objects.visible_to(user).filter(pk__in=ids).values_list("pk", field):
            titles[(kind, pk)] = title
    return titles


def _confirmable_entry(request, pk, slug):
    """The batch and its community row, or 404 / 403 as the access rule says: a batch is visible to
    records officers and to the owners of its communities; a community one may not see is 404."""
    user = request.user
    batches = DispositionBatch.objects.all()
    if not user.is_records_officer:
        batches = disposition.batches_confirmable_by(user)
    batch = get_object_or_404(batches, pk=pk)
    entry = batch.communities.filter(community_slug=slug).select_related("confirmed_by").first()
    if entry is None:
        raise Http404
    if not user.is_records_officer and not Community.objects.visible_to(user).filter(pk=entry.community_id).exists():
        raise Http404
    if not disposition.can_confirm(user, entry):
        raise PermissionDenied(_("Only an active owner of this community (or a records officer, where it has "
                                 "none) may confirm its items."))
    return batch, entry


@login_required
def batch_confirm(request, pk, slug):
    batch, entry = _confirmable_entry(request, pk, slug)
    items = list(BatchItem.objects.filter(
        batch=batch, community_id=entry.community_id, state=BatchItem.State.PENDING
    ).order_by("id"))
    errors = []
    if request.method == "POST":
        withhold = []
        for item in items:
            if request.POST.get(f"withhold-{item.pk}"):
                withhold.append({"target_type": item.target_type, "target_id": item.target_id,
                                 "reason": request.POST.get(f"reason-{item.pk}", "")})
        try:
            disposition.batch_confirm(actor=request.user, batch=batch, community_slug=slug, withhold=withhold)
        except ValidationError as exc:
            errors = exc.messages
        except disposition.BatchConflict as exc:
            errors = [exc.message]
        else:
            messages.success(request, _("You confirmed the items of %(community)s in batch %(id)s.")
                             % {"community": slug, "id": batch.pk})
            return redirect("records:batch_confirm", pk=batch.pk, slug=slug)
    titles = _titles_as_seen_by(request.user, items)
    return render(request, "records/batch_confirm.html", {
        "batch": batch, "entry": entry, "errors": errors,
        "rows": [{"item": i, "title": titles.get((i.target_type, i.target_id))} for i in items],
        "can_confirm": batch.state == DispositionBatch.State.PENDING and entry.confirmed_at is None,
    }, status=400 if errors else 200)


# --- approval --------------------------------------------------------------------------------


def _approved_message(batch) -> str:
    """What became of the approved batch, read back after the commit: in process (no broker) the
    run has already happened; with a worker it is queued or under way."""
    batch.refresh_from_db(fields=["state"])
    if batch.state == DispositionBatch.State.COMPLETED:
        return _("Batch %(id)s approved and run.") % {"id": batch.pk}
    if batch.state == DispositionBatch.State.RUNNING:
        return _("Batch %(id)s approved: it is running now.") % {"id": batch.pk}
    return _("Batch %(id)s approved: it is queued and will run shortly.") % {"id": batch.pk}


@officer_required
def batch_approve(request, pk):
    batch = get_object_or_404(_batches(), pk=pk)
    errors = []
    if request.method == "POST":
        try:
            disposition.batch_approve(actor=request.user, batch=batch, confirm=request.POST.get("confirm", ""))
        except (ValidationError, PermissionDenied) as exc:
            errors = getattr(exc, "messages", None) or [str(exc)]
        except disposition.BatchConflict as exc:
            errors = [exc.message]
        else:
            messages.success(request, _approved_message(batch))
            return redirect("records:batch", pk=batch.pk)
    confirmed_here = batch.communities.filter(confirmed_by=request.user).exists()
    return render(request, "records/batch_approve.html", {
        "batch": batch, "errors": errors, "summary": disposition.approval_summary(batch),
        "communities": batch.communities.select_related("confirmed_by"),
        "can_approve": batch.state == DispositionBatch.State.CONFIRMED and not confirmed_here,
        "confirmed_here": confirmed_here,
    }, status=400 if errors else 200)


# --- quarantine ------------------------------------------------------------------------------


@officer_required
def quarantine_list(request):
    page = paginate(request, quarantine.quarantined_items())
    slugs = community_slugs(i.community_id for i in page)
    return render(request, "records/quarantine.html", {
        "page_obj": page, "rows": [{"item": i, "community": slugs.get(i.community_id)} for i in page],
    })


@officer_required
@require_POST
def quarantine_restore(request, target_type, target_id):
    if target_type not in ContentType.values:
        raise Http404
    quarantine.quarantine_restore(actor=request.user, target_type=target_type, target_id=target_id)
    messages.success(request, _("%(type)s %(id)s restored from quarantine.")
                     % {"type": ContentType(target_type).label, "id": target_id})
    return redirect("records:quarantine")


# --- the certificate (stored, never recomputed) ----------------------------------------------


@officer_required
def batch_certificate(request, pk):
    batch = get_object_or_404(_batches(), pk=pk)
    if wants_csv(request):
        return batch_certificate_csv(request, pk)
    certificate = Certificate.objects.filter(batch=batch).first()
    rows = [{**row, "classification_label": level_text(row["classification"])} for row in
            (certificate.rows if certificate else [])]
    return render(request, "records/certificate.html", {
        "batch": batch, "certificate": certificate, "rows": rows,
        "csv_url": reverse("records:certificate_csv", args=[batch.pk]),
    })


@officer_required
def batch_certificate_csv(request, pk):
    batch = get_object_or_404(DispositionBatch, pk=pk)
    certificate = get_object_or_404(Certificate, batch=batch)
    # The stored canonical CSV: the same bytes here and in the API, and their SHA-256 is on the certificate.
    response = HttpResponse(bytes(certificate.csv), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disposition-certificate-{batch.pk}.csv"'
    return response
