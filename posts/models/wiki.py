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

from unisocial.classification import Level, Status

from .item import Item
from .revision import RecordedReaders


class WikiPage(Item):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="wiki_pages"
    )
    # The page's creator: "author" for the access rule (SPEC §2.2).
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wiki_pages")
    slug = models.SlugField(_("page"), max_length=80)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # Set by an edit (posts.services), not by every save.
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    history = HistoricalRecords(excluded_fields=["segmented"], bases=[RecordedReaders])

    class Meta:
        ordering = ["title"]
        permissions = [("read_wikipage", "Granted reader of a strictly confidential wiki page")]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="wiki_slug_unique_in_community"),
            models.CheckConstraint(condition=Q(classification__in=Level.values), name="wiki_level_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="wiki_status_valid"),
        ]

    def get_absolute_url(self):
        return reverse("communities:wiki", kwargs={"slug": self.community.slug, "page": self.slug})


class WikiPageReader(UserObjectPermissionBase):
    content_object = models.ForeignKey(WikiPage, on_delete=models.CASCADE, related_name="reader_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("wiki page reader")
