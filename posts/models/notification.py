"""Notifications (SPEC §2.4)."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unisocial.classification import Level
class Notification(models.Model):
    """Something a user should hear about (SPEC §2.4: no title, body or excerpt
    for confidential and strictly confidential items — only level, community, link).
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

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    classification = models.CharField(max_length=24, choices=Level.choices, default=Level.UNCLASSIFIED)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.message
