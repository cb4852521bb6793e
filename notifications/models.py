"""Notifications and each person's e-mail choice (SPEC §2.4)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
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
    message = models.CharField(max_length=300)
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
        return self.message

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def current_classification(self) -> str:
        """The item's level now (annotated by ``visible_notifications``), else as sent."""
        return getattr(self, "target_classification", None) or self.classification

    @property
    def display_message(self) -> str:
        """What the notification says, from the item's state when it is read (SPEC §2.4, §7).

        The stored message was written for the item's level at sending time. While the item
        is still at that level it is shown as written; once its level has changed (raised or
        lowered) the message is rendered again from the item as it is now, in the reader's
        language: its title while it is unclassified, otherwise only its level and community
        — never the stale level of the stored text ("a Confidential item" under an
        Unclassified marking), nor a title above unclassified. The current state comes from
        ``visible_notifications`` (``target_classification``, ``target_title``).
        """
        level = self.current_classification
        if not self.target_type or level == self.classification:
            return self.message
        values = {
            "kind": self.get_kind_display(),
            "level": Level(level).label,
            "community": self.community.name if self.community_id else "",
        }
        title = getattr(self, "target_title", "")
        if level == Level.UNCLASSIFIED and title:
            if not self.community_id:
                return gettext("%(kind)s: “%(title)s”") % {**values, "title": title}
            return gettext("%(kind)s: “%(title)s” in %(community)s") % {**values, "title": title}
        if not self.community_id:
            return gettext("%(kind)s: a %(level)s item") % values
        return gettext("%(kind)s: a %(level)s item in %(community)s") % values


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
