"""Admin for records management (SPEC §4) in /admin/, for system managers: retention
schedules are edited here (through ``records.schedules``, as at /records/schedules/); holds,
batches, disposition records, job runs and the audit log are read-only (holds are placed
and released, batches approved, through the records pages and API so every change is logged).
Only metadata is shown: no titles, no bodies.

Records officers work at /records/; here the system manager is not exempt from the
rule (SPEC §2.2), so every admin derives from ``unisocial.admin.AccessRuleAdmin`` and a
row about something he cannot see is absent:

* holds, declassification reviews, the records audit log: rows naming an item or a
  community he may see now (``target_visible_q``); audit rows about a schedule too
  (schedules hold no content); audit rows about batches, reports or holds are left
  to /records/;
* staleness reviews: of communities he may see;
* disposition batches and records: a batch only if every item in it is disclosable to
  him — its community visible and, for a strictly confidential item, he owns it — so
  that neither a restricted community's slug nor a count of invisible items shows;
* schedules and job runs (without their result) carry no content; report runs are the
  viewer's own (their progress counts items of every community).
"""
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from communities.access import active_memberships
from unisocial.admin import AccessRuleAdmin, ContentFreeRows, ReadOnlyAdmin, target_visible_q, visible_communities
from unisocial.classification import Level

from . import schedules
from .models import (
    BatchItem,
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


def disclosable_q(user, community_field="community_id", level_field="classification") -> Q:
    """Metadata rows of an item in a community ``user`` may see, strictly confidential
    ones only to the community's owners (the level table's owner row, SPEC §2.2)."""
    owner = Exists(active_memberships(user, OuterRef(community_field)).filter(role="owner"))
    return Q(**{f"{community_field}__in": visible_communities(user).values("pk")}) & (
        ~Q(**{level_field: Level.STRICTLY_CONFIDENTIAL}) | owner
    )


class VisibleTargetRows:
    def visible_rows(self, request):
        return self.model._default_manager.filter(target_visible_q(request.user))


class RetentionScheduleForm(forms.ModelForm):
    """The schedule's rules are ``records.schedules``': the same clear field errors as in /records/
    (not the database constraint's name), checked before anything is saved."""

    class Meta:
        model = RetentionSchedule
        fields = list(schedules.FIELDS)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                schedules.schedule_check(cleaned, instance=self.instance if self.instance.pk else None)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned

    def validate_unique(self):
        # The uniqueness rules (name, one schedule per type and level, one "any level" per type) were
        # checked in clean() with messages that name the clashing schedule.
        return


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(ContentFreeRows, AccessRuleAdmin):
    """System managers manage schedules here too (SPEC §4), through the same services as the records
    officers at /records/schedules/ (rules, records audit log, history); the history page shows each
    version's who, when and what beside Django's own log."""

    form = RetentionScheduleForm
    list_display = ("name", "content_type", "classification", "retain_days", "disposition", "authority",
                    "restore_days", "created_at")
    list_filter = ("content_type", "classification", "disposition")
    readonly_fields = ("created_by", "created_at")

    def has_delete_permission(self, request, obj=None):
        # A schedule that batches were gathered under stays (certificates name it).
        return super().has_delete_permission(request, obj) and not (obj and obj.batches.exists())

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data.get(field) for field in schedules.FIELDS}
        if change:
            saved = schedules.schedule_update(actor=request.user, schedule=obj, **data)
        else:
            saved = schedules.schedule_create(actor=request.user, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        schedules.schedule_delete(actor=request.user, schedule=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            schedules.schedule_delete(actor=request.user, schedule=obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {**(extra_context or {}), "schedule_versions": schedules.schedule_history(obj)}
        return super().history_view(request, object_id, extra_context=extra_context)


@admin.register(Hold)
class HoldAdmin(VisibleTargetRows, ReadOnlyAdmin):
    list_display = ("id", "target_type", "target_id", "community_id", "category", "placed_by", "placed_at",
                    "released_at")
    list_filter = ("target_type", "category")


@admin.register(StalenessReview)
class StalenessReviewAdmin(ReadOnlyAdmin):
    list_display = ("community", "state", "last_activity_at", "flagged_at", "grace_until", "resolved_at")
    list_filter = ("state",)
    list_select_related = ("community",)

    def visible_rows(self, request):
        return StalenessReview.objects.filter(community__in=visible_communities(request.user))


@admin.register(DispositionBatch)
class DispositionBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "schedule", "state", "total", "done", "disposed", "skipped", "approved_by", "gathered_at")
    list_filter = ("state",)
    list_select_related = ("schedule", "approved_by")

    def visible_rows(self, request):
        hidden_items = BatchItem.objects.filter(batch=OuterRef("pk")).exclude(disclosable_q(request.user))
        return DispositionBatch.objects.filter(~Exists(hidden_items))


@admin.register(DispositionRecord)
class DispositionRecordAdmin(ReadOnlyAdmin):
    list_display = ("target_type", "target_id", "classification", "community_slug", "schedule_name",
                    "disposition", "approved_by_username", "disposed_at", "package_checksum")
    list_filter = ("target_type", "disposition", "classification")

    def visible_rows(self, request):
        return DispositionRecord.objects.filter(disclosable_q(request.user))


@admin.register(JobRun)
class JobRunAdmin(ContentFreeRows, ReadOnlyAdmin):
    # Without the result: its counts are of rows in every community, visible or not.
    list_display = ("job", "window", "started_at", "finished_at")
    exclude = ("result",)


@admin.register(RecordsAuditLog)
class RecordsAuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "target_type", "target_id", "actor")
    list_filter = ("action",)
    list_select_related = ("actor",)

    def visible_rows(self, request):
        return RecordsAuditLog.objects.filter(
            target_visible_q(request.user, id_is_text=True) | Q(target_type="schedule")
        )


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    """Runs of the long reports: who asked, when, how far. The result (metadata only) is read on the
    report's page; here it is left out, so a large run does not make a huge admin page. Only the
    viewer's own runs: a run's progress counts items of every community."""

    list_display = ("id", "kind", "state", "progress", "requested_by", "requested_at", "finished_at")
    list_filter = ("kind", "state")
    list_select_related = ("requested_by",)
    exclude = ("result",)

    def visible_rows(self, request):
        return ReportRun.objects.filter(requested_by_id=request.user.pk).defer("result")

    @admin.display(description="progress")
    def progress(self, obj):
        return f"{obj.done}/{obj.total}"


@admin.register(DeclassificationReview)
class DeclassificationReviewAdmin(VisibleTargetRows, ReadOnlyAdmin):
    list_display = ("decided_at", "target_type", "target_id", "community_id", "decision", "from_level", "to_level",
                    "decided_by")
    list_filter = ("decision", "target_type", "from_level", "to_level")
    list_select_related = ("decided_by",)
