"""Comments: threaded one level, inheriting their post's level and audience (SPEC §2.2)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.access import AccessQuerySet, item_audience
from unisocial.classification import Status

from ..languages import segmented as segmented_text


class Comment(models.Model):
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("comment"))
    body_source = models.TextField(blank=True)
    # "text" (plain text: the API and the Markdown setting) or "html" (the rich-text editor, SPEC §2.3).
    body_format = models.CharField(max_length=8, default="text", editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when moderation escalates the item to management (SPEC §3): system
    # managers may then see it, and every such view is logged.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    # SPEC §7: a comment is searched in its post's language (set when it is written: a reply
    # answers in the conversation's language; docs/architecture.md "Languages of content").
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True, editable=False)
    # The jieba-segmented body when it holds Chinese (posts/languages.py); "" otherwise.
    segmented = models.TextField(blank=True, default="", editable=False)

    access_parent = "post"
    objects = AccessQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "segmented"])

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="comment_status_valid"),
        ]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_oldest")]

    def __str__(self):
        return f"Comment {self.pk} on {self.post_id}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        extra = []
        if not self.language:
            self.language = self.post.language or settings.LANGUAGE_CODE
            extra.append("language")
        if update_fields is None or "body" in update_fields:
            self.segmented = segmented_text("", self.body)
            extra.append("segmented")
        if update_fields is not None and extra:
            kwargs["update_fields"] = list({*update_fields, *extra})
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # ?comment= opens the page of comments that holds this one (posts.selectors.post_comments).
        return f"{self.post.get_absolute_url()}?comment={self.pk}#comment-{self.pk}"

    @property
    def community(self):
        return self.post.community

    def audience(self):
        """The active users who may see it now (the access rule read backwards; its post's, for a comment)."""
        return item_audience(self.post)

    @property
    def classification(self):
        return self.post.classification
