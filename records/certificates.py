"""The certificate of a disposition batch (SPEC §4): issued once, when the last item of a completed
batch is purged or skipped, stored with its rows, both signatories and the SHA-256 of its canonical
CSV, and never recomputed: the page, the JSON and the CSV serve what was stored."""
import hashlib

from django.db import transaction
from django.utils import timezone

from unisocial.csv_export import csv_bytes

from .audit import audit
from .models import BatchItem, Certificate, Disposition, DispositionBatch, DispositionRecord

CERTIFICATE_FIELDS = [
    "target_type", "target_id", "classification", "community_id", "community_slug", "schedule",
    "method", "package_sha256", "reason", "at", "confirmed_by", "approved_by",
]
METHOD_DESTROYED, METHOD_TRANSFERRED, METHOD_SKIPPED = "destroyed", "transferred", "skipped"


def _certificate_rows(batch) -> list[dict]:
    confirmations = {c.community_id: c for c in batch.communities.select_related("confirmed_by")}
    # Batches run before quarantine existed kept the package's checksum on the disposition record only.
    recorded = {
        (t, i): c for t, i, c in DispositionRecord.objects.filter(batch=batch, part_of="")
        .values_list("target_type", "target_id", "package_checksum")
    }
    rows = []
    items = (
        BatchItem.objects.filter(batch=batch).exclude(state=BatchItem.State.WITHHELD).order_by("processed_at", "id")
    )
    for item in items.iterator(chunk_size=1000):
        if item.state == BatchItem.State.DISPOSED:
            method = METHOD_TRANSFERRED if item.disposition == Disposition.TRANSFER else METHOD_DESTROYED
        else:
            method = METHOD_SKIPPED
        confirmation = confirmations.get(item.community_id)
        rows.append({
            "target_type": item.target_type, "target_id": item.target_id, "classification": item.classification,
            "community_id": item.community_id,
            "community_slug": confirmation.community_slug if confirmation else "",
            "schedule": batch.schedule_name, "method": method,
            "package_sha256": (item.package_checksum or recorded.get((item.target_type, item.target_id), ""))
            if method == METHOD_TRANSFERRED else "",
            "reason": item.reason if method == METHOD_SKIPPED else "",
            "at": item.processed_at.isoformat() if item.processed_at else "",
            "confirmed_by": confirmation.confirmed_by.username if confirmation and confirmation.confirmed_by else "",
            "approved_by": batch.approved_by.username if batch.approved_by else "",
        })
    return rows


def certificate_csv_from_rows(rows) -> bytes:
    """The certificate's canonical CSV: levels as stored (no translated label), cells neutralised,
    UTF-8 with a BOM. It is exactly the bytes stored and served, so its SHA-256 verifies a download."""
    return csv_bytes(CERTIFICATE_FIELDS, ([row.get(f) for f in CERTIFICATE_FIELDS] for row in rows))


def issue_certificate(batch_id: int, *, now=None) -> Certificate | None:
    """Issue the batch's certificate once, when it is completed and no item is pending or in quarantine.
    Returns it (issued now or before), or ``None`` while it cannot be issued yet."""
    with transaction.atomic():
        batch = DispositionBatch.objects.select_for_update(of=("self",)).select_related("approved_by").get(pk=batch_id)
        existing = Certificate.objects.filter(batch=batch).first()
        if existing:
            return existing
        if batch.state != DispositionBatch.State.COMPLETED or batch.items.filter(
            state__in=[BatchItem.State.PENDING, BatchItem.State.QUARANTINED]
        ).exists():
            return None
        rows = _certificate_rows(batch)
        data = certificate_csv_from_rows(rows)
        confirmations = [
            {"community": c.community_slug, "confirmed_by": c.confirmed_by.username if c.confirmed_by else "",
             "confirmed_at": c.confirmed_at.isoformat() if c.confirmed_at else "",
             "by_records_officer": c.by_records_officer}
            for c in batch.communities.select_related("confirmed_by").order_by("community_slug")
        ]
        certificate = Certificate.objects.create(
            batch=batch, issued_at=now or timezone.now(), schedule_name=batch.schedule_name,
            disposition=batch.frozen_disposition, approved_by_username=batch.approved_by.username,
            confirmations=confirmations, rows=rows, csv=data, sha256=hashlib.sha256(data).hexdigest(),
        )
        audit("certificate_issued", target_type="batch", target_id=batch.pk, sha256=certificate.sha256,
              items=len(rows))
        return certificate


def certificate_csv(batch) -> bytes:
    """The stored certificate's CSV bytes (``Certificate.DoesNotExist`` before it is issued)."""
    return bytes(Certificate.objects.get(batch=batch).csv)


def issue_due_certificates(*, now=None) -> int:
    """Issue the certificate of every completed batch that has none and nothing left to do: one whose
    last purge's worker died before issuing it, or one run before certificates were stored."""
    issued = 0
    for batch_id in DispositionBatch.objects.filter(
        state=DispositionBatch.State.COMPLETED, certificate__isnull=True
    ).values_list("pk", flat=True):
        issued += issue_certificate(batch_id, now=now) is not None
    return issued

