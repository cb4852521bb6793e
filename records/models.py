"""Records management data (SPEC §4, ST/SGB/2007/5).

* ``RetentionSchedule`` — what content (type, level) is kept how long after its
  last activity, and how it is disposed of (transfer or destroy);
* ``Hold`` — an item or a whole community that must not be disposed of,
  withdrawn or edited until every hold on it is released;
* ``StalenessReview`` — a community flagged for inactivity, its owners'
  answer and its archiving (the staleness state lives here, keyed by
  community, not on ``Community`` itself);
* ``DispositionBatch`` / ``BatchItem`` — due items gathered per schedule,
  approved by a records officer, run in Celery (progress: ``done``/``total``);
* ``DispositionRecord`` — the permanent trace of one disposed item (at most
  one per item, enforced by the database);
* ``JobRun`` — one row per periodic job and time window, so a second beat
  firing the same job for the same window does nothing;
* ``RecordsAuditLog`` — explicit audit rows for changes jobs make with bulk
  updates (which write no simple-history rows).

The records audit log, disposition records and declassification reviews are
append-only (``unisocial.db.AppendOnlyModel`` and, on PostgreSQL, a trigger: SPEC §4).

Items are named by ``target_type`` (``post``, ``wiki``, ``community``) and
``target_id``, as notifications and moderation name them; no foreign key
points at content, because the content is what disposition destroys.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unisocial.classification import Level
from unisocial.db import AppendOnlyModel


class ContentType(models.TextChoices):
    POST = "post", _("Post")
    WIKI = "wiki", _("Wiki page")
    COMMUNITY = "community", _("Community")


class Disposition(models.TextChoices):
    TRANSFER = "transfer", _("Transfer to the archives")
    DESTROY = "destroy", _("Destroy")


class RetentionSchedule(models.Model):
    """Content of ``content_type`` at ``classification`` (any level when null) is kept
    ``retain_days`` after its last activity, then disposed of by ``disposition``.

    At most one schedule per (type, level) and one "any level" schedule per type:
    a level-specific schedule wins over the "any level" one for its level.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    content_type = models.CharField(_("content type"), max_length=16, choices=ContentType.choices)
    # Null, not "", means "any level": the API's contract (SPEC §6) and the partial unique keys below.
    classification = models.CharField(  # noqa: DJ001
        _("classification"), max_length=24, choices=Level.choices, null=True, blank=True,
        help_text=_("Leave empty to cover every level that has no schedule of its own."),
    )
    retain_days = models.PositiveIntegerField(_("retain days after last activity"))
    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition.choices)
    authority = models.CharField(
        _("authority"), max_length=200, blank=True,
        help_text=_("The reference of the instrument that approved this schedule."),
    )
    justification = models.TextField(_("justification"), max_length=4000, blank=True)
    restore_days = models.PositiveIntegerField(
        _("restore window (days)"), default=30,
        help_text=_("How long a disposed item stays in quarantine, restorable, before it is purged."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Every change: who, when, what (SPEC §4). Batches freeze what they need of a schedule at gathering.
    history = HistoricalRecords()

    class Meta:
        ordering = ["content_type", "classification", "name"]
        verbose_name = _("retention schedule")
        constraints = [
            models.CheckConstraint(condition=Q(content_type__in=ContentType.values), name="schedule_type_valid"),
            models.CheckConstraint(
                condition=Q(classification__isnull=True) | Q(classification__in=Level.values),
                name="schedule_level_valid",
            ),
            models.CheckConstraint(condition=Q(disposition__in=Disposition.values), name="schedule_disposition_valid"),
            models.CheckConstraint(condition=Q(retain_days__gte=1), name="schedule_retain_days_positive"),
            models.UniqueConstraint(
                fields=["content_type", "classification"],
                condition=Q(classification__isnull=False),
                name="one_schedule_per_type_and_level",
            ),
            models.UniqueConstraint(
                fields=["content_type"], condition=Q(classification__isnull=True),
                name="one_any_level_schedule_per_type",
            ),
        ]

    def __str__(self):
        return self.name


class Hold(models.Model):
    """A records hold on an item or a community (SPEC §4). Active while ``released_at`` is null."""

    class Category(models.TextChoices):
        INVESTIGATION = "investigation", _("Investigation")
        LEGAL_REQUEST = "legal_request", _("Legal request")
        ACCESS_REQUEST = "access_request", _("Access request")
        DECLASSIFICATION_REQUEST = "declassification_request", _("Declassification request")
        OTHER = "other", _("Other")

    target_type = models.CharField(_("target type"), max_length=16, choices=ContentType.choices)
    target_id = models.PositiveBigIntegerField(_("target id"))
    # The community the target is in (the community itself for a community hold).
    community_id = models.PositiveBigIntegerField(_("community id"), db_index=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, default=Category.OTHER)
    reason = models.TextField(_("reason"), max_length=2000)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_note = models.TextField(_("release note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("hold")
        constraints = [
            models.CheckConstraint(condition=Q(target_type__in=ContentType.values), name="hold_target_type_valid"),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_by__isnull=False), name="hold_release_has_actor"
            ),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id"], condition=Q(released_at__isnull=True),
                         name="hold_active_target"),
        ]

    def __str__(self):
        return f"Hold {self.pk} on {self.target_type} {self.target_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class StalenessReview(models.Model):
    """One flagging of an inactive community and how it ended (SPEC §4 staleness)."""

    class State(models.TextChoices):
        FLAGGED = "flagged", _("Flagged, waiting for the owners")
        STILL_IN_USE = "still_in_use", _("Still in use (confirmed by an owner)")
        ARCHIVED = "archived", _("Archived")

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="staleness_reviews"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.FLAGGED)
    last_activity_at = models.DateTimeField(_("last activity when flagged"))
    flagged_at = models.DateTimeField(_("flagged at"))
    grace_until = models.DateTimeField(_("archived after"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-flagged_at", "-id"]
        verbose_name = _("staleness review")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["flagged", "still_in_use", "archived"]),
                                   name="staleness_state_valid"),
            # At most one open review per community: flagging twice does nothing.
            models.UniqueConstraint(fields=["community"], condition=Q(state="flagged"),
                                    name="one_open_staleness_review"),
        ]
        indexes = [models.Index(fields=["community", "state", "resolved_at"], name="staleness_community_state")]

    def __str__(self):
        return f"{self.community_id} {self.state} since {self.flagged_at:%Y-%m-%d}"


class DispositionBatch(models.Model):
    """Due items of one schedule, gathered together for two sign-offs (SPEC §4).

    Life: ``pending`` (gathered; each community's office of record confirms its items,
    ``BatchCommunity``) → ``confirmed`` (every community confirmed) → ``approved`` (by a
    records officer who confirmed none of it) → ``running`` → ``completed`` (every item
    quarantined or skipped). Quarantined items are purged after their restore window;
    when the last is purged (or restored) the ``Certificate`` is issued.

    The schedule's name, disposition, retention and restore window are frozen here at
    gathering: editing the schedule afterwards changes later batches only.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the offices of record")
        CONFIRMED = "confirmed", _("Confirmed, waiting for approval")
        APPROVED = "approved", _("Approved, waiting to run")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")

    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.PROTECT, related_name="batches")
    # Frozen at gathering (SPEC §4): what the sign-offs approve and the run executes.
    schedule_name = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=16, choices=ContentType.choices, blank=True)
    frozen_disposition = models.CharField(max_length=16, choices=Disposition.choices, blank=True)
    retain_days = models.PositiveIntegerField(default=0)
    restore_days = models.PositiveIntegerField(default=30)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    as_of = models.DateTimeField(_("due as of"))
    gathered_at = models.DateTimeField(_("gathered at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress, updated in each item's own transaction: done counts quarantined and skipped items.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-gathered_at", "-id"]
        verbose_name = _("disposition batch")
        verbose_name_plural = _("disposition batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "confirmed", "approved", "running", "completed"]),
                name="batch_state_valid",
            ),
            models.CheckConstraint(condition=Q(state__in=["pending", "confirmed"]) | Q(approved_by__isnull=False),
                                   name="batch_run_needs_approval"),
        ]

    def __str__(self):
        return f"Batch {self.pk} ({self.schedule_name or self.schedule_id}, {self.state})"

    @property
    def disposition(self) -> str:
        """The disposition frozen at gathering (never the live schedule's)."""
        return self.frozen_disposition

    def get_disposition_display(self) -> str:
        return Disposition(self.frozen_disposition).label if self.frozen_disposition else ""


class BatchCommunity(models.Model):
    """One community's office-of-record confirmation of its items in a batch (SPEC §4, four eyes)."""

    batch = models.ForeignKey(DispositionBatch, on_delete=models.CASCADE, related_name="communities")
    community_id = models.PositiveBigIntegerField()
    community_slug = models.CharField(max_length=80)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # True when a records officer confirmed because the community had no active owner.
    by_records_officer = models.BooleanField(default=False)

    class Meta:
        ordering = ["community_slug", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "community_id"], name="one_confirmation_per_batch_community"),
        ]

    def __str__(self):
        return f"{self.community_slug} in batch {self.batch_id}"


class BatchItem(models.Model):
    """One due item of a batch: metadata only (no title, no body), frozen at gathering."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        WITHHELD = "withheld", _("Withheld by the office of record")
        QUARANTINED = "quarantined", _("In quarantine")
        RESTORED = "restored", _("Restored from quarantine")
        DISPOSED = "disposed", _("Disposed of")
        SKIPPED_HELD = "skipped_held", _("Skipped: under hold")
        SKIPPED_GONE = "skipped_gone", _("Skipped: no longer there")
        SKIPPED_ACTIVE = "skipped_active", _("Skipped: active again")
        SKIPPED_LEVEL = "skipped_level", _("Skipped: its level changed")
        SKIPPED_NOT_DUE = "skipped_not_due", _("Skipped: no longer past retention")
        FAILED = "failed", _("Failed (see the records audit log)")

    batch = models.ForeignKey(DispositionBatch, on_delete=models.CASCADE, related_name="items")
    target_type = models.CharField(max_length=16, choices=ContentType.choices)
    target_id = models.PositiveBigIntegerField()
    # Frozen at gathering (SPEC §4): the level, community, schedule and rule the sign-offs approve.
    classification = models.CharField(max_length=24, choices=Level.choices)
    community_id = models.PositiveBigIntegerField()
    schedule_id = models.PositiveBigIntegerField(null=True)
    disposition = models.CharField(max_length=16, choices=Disposition.choices, blank=True)
    retain_days = models.PositiveIntegerField(default=0)
    restore_days = models.PositiveIntegerField(default=30)
    last_activity_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # Why it was skipped, withheld or restored (shown on the certificate).
    reason = models.TextField(blank=True, max_length=2000)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Quarantine (SPEC §4): the statuses to give back on restore — [[type, id, status], …] — and the purge date.
    quarantined_contents = models.JSONField(default=list, blank=True)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True)
    package_path = models.CharField(max_length=300, blank=True)
    package_checksum = models.CharField(_("package SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "target_type", "target_id"], name="one_batch_item_per_target"),
        ]
        indexes = [
            models.Index(fields=["batch", "state"], name="batch_item_state"),
            models.Index(fields=["target_type", "target_id"], name="batch_item_target"),
            models.Index(fields=["purge_after"], condition=Q(state="quarantined"), name="batch_item_purge_due"),
        ]

    def __str__(self):
        return f"{self.target_type} {self.target_id} in batch {self.batch_id}"


class DispositionRecord(AppendOnlyModel):
    """The permanent trace of one disposed item; metadata only — no title, body or file name (SPEC §4)."""

    target_type = models.CharField(max_length=16, choices=ContentType.choices)
    target_id = models.PositiveBigIntegerField()
    classification = models.CharField(max_length=24, choices=Level.choices)
    community_id = models.PositiveBigIntegerField()
    community_slug = models.CharField(max_length=80)
    community_name = models.CharField(max_length=120)
    batch = models.ForeignKey(DispositionBatch, on_delete=models.PROTECT, related_name="records")
    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.PROTECT, related_name="+")
    schedule_name = models.CharField(max_length=120)
    disposition = models.CharField(max_length=16, choices=Disposition.choices)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by_username = models.CharField(max_length=150)
    last_activity_at = models.DateTimeField()
    disposed_at = models.DateTimeField(default=timezone.now)
    # The item this one was disposed of with (a post inside a disposed community), else empty.
    part_of = models.CharField(max_length=40, blank=True)
    package_path = models.CharField(max_length=300, blank=True)
    package_checksum = models.CharField(_("package SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["disposed_at", "id"]
        constraints = [
            # An item is disposed of exactly once, whatever the workers do.
            models.UniqueConstraint(fields=["target_type", "target_id"], name="one_disposition_per_item"),
        ]

    def __str__(self):
        return f"{self.target_type} {self.target_id} {self.disposition} {self.disposed_at:%Y-%m-%d}"


class PendingFileDeletion(models.Model):
    """A private file of a purged item still to be deleted from storage (not permanent: the row goes
    with the file). Written in the purge's transaction, deleted after commit with the file; a later
    purge run retries what a killed worker left. A storage path only, never the original file name."""

    path = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.path


class Certificate(AppendOnlyModel):
    """A batch's certificate of disposition, issued once (SPEC §4) and never changed: its rows and
    signatories as issued, the canonical CSV bytes and their SHA-256."""

    batch = models.OneToOneField(DispositionBatch, on_delete=models.PROTECT, related_name="certificate")
    issued_at = models.DateTimeField(default=timezone.now)
    schedule_name = models.CharField(max_length=120)
    disposition = models.CharField(max_length=16, choices=Disposition.choices)
    approved_by_username = models.CharField(max_length=150)
    # [{"community": slug, "confirmed_by": username, "confirmed_at": iso, "by_records_officer": bool}, …]
    confirmations = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    csv = models.BinaryField()
    sha256 = models.CharField(_("SHA-256 of the CSV"), max_length=64)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"Certificate of batch {self.batch_id}"


class JobRun(models.Model):
    """A periodic job's run for one time window: the unique key makes a second run a no-op."""

    job = models.CharField(max_length=64)
    window = models.CharField(max_length=32)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "window"], name="one_run_per_job_window")]

    def __str__(self):
        return f"{self.job} {self.window}"


class RecordsAuditLog(AppendOnlyModel):
    """Who did what in records management; ``actor`` null means the system (a job)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=48)
    target_type = models.CharField(max_length=16, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("records audit log entry")
        verbose_name_plural = _("records audit log")
        indexes = [models.Index(fields=["target_type", "target_id"], name="records_audit_target")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type} {self.target_id}"


class ReportRun(models.Model):
    """One run of a records report in Celery (SPEC §4: long jobs run in Celery and show progress).

    The page enqueues a run, polls its progress (``done``/``total`` steps) and shows
    the ``result`` of the latest completed run with its date; ``result`` holds the
    report's rows exactly as the synchronous selector in ``records.reports`` returns
    them (metadata only, JSON-safe).
    """

    class Kind(models.TextChoices):
        INVENTORY = "inventory", _("Inventory")
        STALE = "stale", _("Stale communities")
        DUE = "due", _("Due for disposition")
        HOLDS = "holds", _("Holds")
        ACCESS_LOG = "access_log", _("Access log of strictly confidential items")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("report"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    as_of = models.DateTimeField(_("as of"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report run")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["inventory", "stale", "due", "holds", "access_log"]), name="report_kind_valid"
            ),
            models.CheckConstraint(condition=Q(state__in=["queued", "running", "done", "failed"]),
                                   name="report_state_valid"),
        ]
        indexes = [models.Index(fields=["kind", "state", "-requested_at"], name="report_run_latest")]

    def __str__(self):
        return f"{self.kind} report {self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == self.State.DONE else 0)


class DeclassificationReview(AppendOnlyModel):
    """A records officer's or author's decision on an item listed for declassification review
    (SPEC §4, ST/SGB/2007/6): confidential items older than 20 years are listed for
    declassification, strictly confidential ones for review; nothing is declassified
    automatically. ``declassified`` lowered the item from ``from_level`` to ``to_level``
    (also recorded as the item's history change reason); ``kept`` reviewed it and left
    its level as it was. No foreign key points at the item: disposition may destroy it
    later, and the decision stays.
    """

    class Decision(models.TextChoices):
        DECLASSIFIED = "declassified", _("Declassified")
        KEPT = "kept", _("Reviewed, kept at its level")

    target_type = models.CharField(_("target type"), max_length=16, choices=ContentType.choices)
    target_id = models.PositiveBigIntegerField(_("target id"))
    community_id = models.PositiveBigIntegerField(_("community id"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    from_level = models.CharField(_("from level"), max_length=24, choices=Level.choices)
    to_level = models.CharField(_("to level"), max_length=24, choices=Level.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("declassification review")
        constraints = [
            models.CheckConstraint(condition=Q(target_type__in=["post", "wiki"]), name="declass_target_type_valid"),
            models.CheckConstraint(condition=Q(decision__in=["declassified", "kept"]), name="declass_decision_valid"),
            models.CheckConstraint(
                condition=Q(decision="kept", to_level=models.F("from_level"))
                | (Q(decision="declassified") & ~Q(to_level=models.F("from_level"))),
                name="declass_levels_match_decision",
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id", "-decided_at"], name="declass_target_latest")]

    def __str__(self):
        return f"{self.target_type} {self.target_id} {self.decision} {self.from_level}→{self.to_level}"


class CommunityExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An export exists only for the owner who asked for it, and only while they are an owner of
        its community (SPEC §4: exactly what that owner may see; another owner's export is theirs)."""
        from communities.models import active_memberships, authorized

        if not authorized(user):
            return self.none()
        owner = active_memberships(user, models.OuterRef("community_id")).filter(role="owner")
        return self.filter(models.Exists(owner), requested_by_id=user.pk)


class CommunityExport(models.Model):
    """An owner's export of their community (SPEC §4 "Community export"): a BagIt package of what
    that owner may see, built in Celery (``records.exports``) with progress, kept in the private
    storage for ``COMMUNITY_EXPORT_DAYS`` and then removed (the row stays, ``expired``).

    ``contents`` names the items the package holds (type, id, level): what the download's access
    log lines are written from, and what a disposition needs to find the exports holding an item."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Removed")

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("removed after"), null=True, blank=True, db_index=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The package's name in the private storage (empty until built, and again once removed).
    file = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    highest_classification = models.CharField(max_length=24, choices=Level.choices, blank=True)
    contents = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    objects = CommunityExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("community export")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["queued", "running", "done", "failed", "expired"]),
                                   name="community_export_state_valid"),
        ]
        indexes = [models.Index(fields=["community", "requested_by", "-requested_at"],
                                name="community_export_latest")]

    def __str__(self):
        return f"export {self.pk} of community {self.community_id} ({self.state})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == self.State.DONE else 0)
