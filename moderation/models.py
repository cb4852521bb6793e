"""Flags, the append-only moderation log and escalation cases (SPEC §3, guidelines §5.7).

An item is named by ``target_type`` (``post``, ``comment``, ``wiki``) and
``target_id``, as notifications and the access log name it; ``community`` is
the item's community, kept on the row so that queues and logs filter by the
communities a person moderates without touching the items.

The log (``ModerationAction``) is append-only three times over (``unisocial.db``): the
model refuses a second ``save`` and any ``delete``, its queryset refuses ``update``
and ``delete``, and on PostgreSQL a trigger (migration 0002) refuses UPDATE
and DELETE whatever the client. The admin grants only "view".
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posts.models import Comment, Post, WikiPage
from unisocial.classification import Level
from unisocial.db import AppendOnlyError, AppendOnlyModel  # noqa: F401 (AppendOnlyError: importable from here)


class TargetType(models.TextChoices):
    POST = "post", _("Post")
    COMMENT = "comment", _("Comment")
    WIKI = "wiki", _("Wiki page")


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    HARASSMENT = "harassment", _("Harassment")
    CONFIDENTIALITY = "confidentiality", _("Confidentiality (above the community's level or wrong audience)")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Other")


class FlagState(models.TextChoices):
    OPEN = "open", pgettext_lazy("flag state", "Open")
    CLOSED = "closed", _("Closed")


class Flag(models.Model):
    """One person's report of one item (SPEC §3: once per person per item)."""

    Reason = FlagReason
    State = FlagState

    target_type = models.CharField(_("item type"), max_length=16, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField(_("item id"))
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="flags", verbose_name=_("community")
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flags", verbose_name=_("reported by")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("flag")
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "flagger"], name="one_flag_per_user_per_item"
            ),
            models.CheckConstraint(condition=Q(target_type__in=TargetType.values), name="flag_target_type_valid"),
            models.CheckConstraint(condition=Q(reason__in=FlagReason.values), name="flag_reason_valid"),
            models.CheckConstraint(condition=Q(state__in=FlagState.values), name="flag_state_valid"),
        ]
        indexes = [
            models.Index(fields=["community", "state", "created_at"], name="flag_queue"),
            models.Index(fields=["flagger", "created_at"], name="flag_rate"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} — {self.target_type} {self.target_id}"


class ModerationAction(AppendOnlyModel):
    """One moderation decision: who did what to which item, why and when (append-only)."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        DISMISS = "dismiss", _("Dismiss flags")
        HIDE = "hide", _("Hide")
        RESTORE = "restore", _("Restore")
        RECLASSIFY = "reclassify", _("Reclassify")
        ESCALATE = "escalate", _("Escalate to management")
        RESOLVE = "resolve", _("Resolve escalation")

    # No database constraints to users or communities: a log row outlives them both
    # (records disposition may destroy a community; the log keeps its id).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for automatic actions (auto-hide)."),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    target_type = models.CharField(_("item type"), max_length=16, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField(_("item id"))
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("community"),
    )
    reason = models.TextField(_("reason"), blank=True)
    from_level = models.CharField(_("from level"), max_length=24, choices=Level.choices, blank=True)
    to_level = models.CharField(_("to level"), max_length=24, choices=Level.choices, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        # Nobody is ever granted change or delete: the permissions do not exist.
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["approve", "reject", "dismiss", "hide", "restore", "reclassify",
                                        "escalate", "resolve"]),
                name="moderation_action_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="moderation_log_community"),
            models.Index(fields=["target_type", "target_id"], name="moderation_log_item"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type} {self.target_id}"


class EscalationCase(models.Model):
    """An item reported to management (SPEC §3): system managers are notified and see it."""

    target_type = models.CharField(_("item type"), max_length=16, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField(_("item id"))
    # No database constraint, like the moderation log's: a case outlives a community that records
    # disposition destroys (it names the item by type and id; SPEC §3, §4).
    community = models.ForeignKey(
        "communities.Community", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        verbose_name=_("community")
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("escalated by")
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation case")
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_case_per_item",
            ),
        ]

    def __str__(self):
        return f"Case {self.pk}: {self.target_type} {self.target_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# --- proxies for the owners' admin pages (moderation.sites) -------------------------------


class ModeratedPost(Post):
    class Meta:
        proxy = True
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        default_permissions = ()


class ModeratedComment(Comment):
    class Meta:
        proxy = True
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        default_permissions = ()


class ModeratedWikiPage(WikiPage):
    class Meta:
        proxy = True
        verbose_name = _("wiki page")
        verbose_name_plural = _("wiki pages")
        default_permissions = ()
