"""Admin for records management (SPEC §4): retention schedules are edited here;
holds, batches, disposition records, job runs and the audit log are read-only
(holds are placed and released, batches approved, through the records API so
every change is logged). Only metadata is shown: no titles, no bodies."""
from django.contrib import admin

from unisocial.admin import ReadOnlyAdmin

from .audit import audit
from .models import (
    DeclassificationReview,
    DispositionBatch,
    DispositionRecord,
    Hold,
    JobRun,
    RecordsAuditLog,
    ReportRun,
    RetentionSchedule,
    StalenessReview,
)


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "content_type", "classification", "retain_days", "disposition", "created_at")
    list_filter = ("content_type", "classification", "disposition")
    readonly_fields = ("created_by", "created_at")

    def has_delete_permission(self, request, obj=None):
        # A schedule that batches were gathered under stays (certificates name it).
        return super().has_delete_permission(request, obj) and not (obj and obj.batches.exists())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit("schedule_changed" if change else "schedule_created", actor=request.user, target_type="schedule",
              target_id=obj.pk, content_type=obj.content_type, classification=obj.classification,
              retain_days=obj.retain_days, disposition=obj.disposition)


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("id", "target_type", "target_id", "community_id", "category", "placed_by", "placed_at",
                    "released_at")
    list_filter = ("target_type", "category")


@admin.register(StalenessReview)
class StalenessReviewAdmin(ReadOnlyAdmin):
    list_display = ("community", "state", "last_activity_at", "flagged_at", "grace_until", "resolved_at")
    list_filter = ("state",)
    list_select_related = ("community",)


@admin.register(DispositionBatch)
class DispositionBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "schedule", "state", "total", "done", "disposed", "skipped", "approved_by", "gathered_at")
    list_filter = ("state",)
    list_select_related = ("schedule", "approved_by")


@admin.register(DispositionRecord)
class DispositionRecordAdmin(ReadOnlyAdmin):
    list_display = ("target_type", "target_id", "classification", "community_slug", "schedule_name",
                    "disposition", "approved_by_username", "disposed_at", "package_checksum")
    list_filter = ("target_type", "disposition", "classification")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "window", "started_at", "finished_at")


@admin.register(RecordsAuditLog)
class RecordsAuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "target_type", "target_id", "actor")
    list_filter = ("action",)
    list_select_related = ("actor",)


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    """Runs of the long reports: who asked, when, how far. The result (metadata only) is read on the
    report's page; here it is left out, so a large run does not make a huge admin page."""

    list_display = ("id", "kind", "state", "progress", "requested_by", "requested_at", "finished_at")
    list_filter = ("kind", "state")
    list_select_related = ("requested_by",)
    exclude = ("result",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("result")

    @admin.display(description="progress")
    def progress(self, obj):
        return f"{obj.done}/{obj.total}"


@admin.register(DeclassificationReview)
class DeclassificationReviewAdmin(ReadOnlyAdmin):
    list_display = ("decided_at", "target_type", "target_id", "community_id", "decision", "from_level", "to_level",
                    "decided_by")
    list_filter = ("decision", "target_type", "from_level", "to_level")
    list_select_related = ("decided_by",)
