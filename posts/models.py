"""Posts (SPEC §2.2–2.3). This module holds the core fields the access rule
reads — community, author, title, body, classification, status, readers —
and grows into the full feature (comments, wikis, tags) in the content issue.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from unisocial.access import AccessQuerySet
from unisocial.classification import Level, Status


class Post(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="posts"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    classification = models.CharField(_("classification"), max_length=24, choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("read_post", "Granted reader of a strictly confidential post")]
        constraints = [
            models.CheckConstraint(condition=Q(classification__in=Level.values), name="post_level_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="post_status_valid"),
        ]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="post_community_newest"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("posts:detail", kwargs={"pk": self.pk})


class PostReader(UserObjectPermissionBase):
    """An individually granted reader of a strictly confidential post (guardian direct-FK grant)."""

    content_object = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reader_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("post reader")


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
