"""Notifications and each person's e-mail choice (SPEC §2.4)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unisocial.classification import Level


class Notification(models.Model):
    """Something a user should hear about (SPEC §2.4: no title, body or excerpt
    for confidential and strictly confidential items — only level, community, link).

    ``target_type``/``target_id`` name the item it is about (none for membership
    news), so every read can hide a notification whose item the recipient can
    no longer see (``notifications.selectors.visible_notifications``).
    """

    class Kind(models.TextChoices):
        MEMBERSHIP_ADDED = "membership_added", _("Added to a community")
        MEMBERSHIP_REQUEST = "membership_request", _("Membership request")
        MEMBERSHIP_DECISION = "membership_decision", _("Membership decision")
        MEMBERSHIP_ENDING = "membership_ending", _("Membership ending")
        MEMBERSHIP_REMOVED = "membership_removed", _("Membership ended")
        COMMENT = "comment", _("Comment")
        REPLY = "reply", _("Reply")
        MENTION = "mention", _("Mention")
        MODERATION = "moderation", _("Moderation")
        RECORDS = "records", _("Records management")

    class Target(models.TextChoices):
        NONE = "", _("None")
        POST = "post", _("Post")
        COMMENT = "comment", _("Comment")
        WIKI = "wiki", _("Wiki page")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    classification = models.CharField(
        max_length=24, choices=Level.choices, default=Level.UNCLASSIFIED
    )
    # SPEC §7: what happened, never a sentence. The sentence is built when the notification is
    # shown or sent, in the reader's language (``notifications.messages``), from ``event`` (which
    # sentence), ``actor`` (who did it), the community, the item (``target_*``, its level and
    # title as they are then) and ``data`` (small extras: a role, a batch id, dates, levels).
    event = models.CharField(max_length=40, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    # Rows written before sentences were rendered at reading time and whose sentence could not be
    # rebuilt (``event`` blank): their text, in the language it was written in, shown as is.
    legacy_message = models.CharField(max_length=300, blank=True, default="")
    url = models.CharField(max_length=300, blank=True)
    target_type = models.CharField(max_length=16, choices=Target.choices, blank=True, default="")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once an e-mail (immediate or digest) has carried it: sending is safe to repeat.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "posts_notification"  # the table it has had since it lived in posts
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(target_type="") & models.Q(target_id__isnull=True))
                | (
                    models.Q(target_type__in=["post", "comment", "wiki"])
                    & models.Q(target_id__isnull=False)
                ),
                name="notification_target_complete",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def current_classification(self) -> str:
        """The item's level now (annotated by ``visible_notifications``), else as sent."""
        return getattr(self, "target_classification", None) or self.classification

    @property
    def display_message(self) -> str:
        """What the notification says, in the active language, from the event and the item's
        state now (``notifications.messages.render``); pages and e-mails render it in the
        reader's language (``messages.render_all``), which sets ``rendered_message``."""
        rendered = getattr(self, "rendered_message", None)
        if rendered is not None:
            return rendered
        from .messages import render

        return render(self)

    message = display_message


class NotificationPreference(models.Model):
    """How a person wants notification e-mails: at once, in a daily digest, or not at all."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DAILY = "daily", _("Daily digest")
        OFF = "off", _("Never")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=16, choices=Email.choices, default=Email.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "posts_notificationpreference"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__in=["immediate", "daily", "off"]),
                name="notification_email_choice",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.email}"
