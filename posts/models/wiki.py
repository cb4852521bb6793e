"""Wiki pages: each has its own level and readers; any member who can see a
page edits it; every edit is a revision (SPEC §2.3)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from communities.access import AccessQuerySet, item_audience
from unisocial.classification import Level, Status

from .revision import RecordedReaders


class WikiPage(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="wiki_pages"
    )
    slug = models.SlugField(_("page"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    body_source = models.TextField(_("source"), blank=True)
    body_format = models.CharField(
        max_length=8, choices=[("html", "HTML"), ("markdown", "Markdown")], default="html"
    )
    classification = models.CharField(_("classification"), max_length=24, choices=Level.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    # The page's creator: "author" for the access rule (SPEC §2.2).
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wiki_pages")
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set when moderation escalates the item to management (SPEC §3): system
    # managers may then see it, and every such view is logged.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)

    objects = AccessQuerySet.as_manager()
    history = HistoricalRecords(bases=[RecordedReaders])

    class Meta:
        ordering = ["title"]
        permissions = [("read_wikipage", "Granted reader of a strictly confidential wiki page")]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="wiki_slug_unique_in_community"),
            models.CheckConstraint(condition=Q(classification__in=Level.values), name="wiki_level_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="wiki_status_valid"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("communities:wiki", kwargs={"slug": self.community.slug, "page": self.slug})

    def audience(self):
        """The active users who may see it now (the access rule read backwards)."""
        return item_audience(self)


class WikiPageReader(UserObjectPermissionBase):
    content_object = models.ForeignKey(WikiPage, on_delete=models.CASCADE, related_name="reader_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("wiki page reader")
