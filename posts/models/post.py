"""Posts, their tags and likes (SPEC §2.2–2.3)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from communities.access import AccessQuerySet
from unisocial.classification import Level, Status
from unisocial.links import link

from .item import Item
from .revision import RecordedReaders


class Post(Item):
    tags = models.ManyToManyField("posts.Tag", blank=True, related_name="posts")

    history = HistoricalRecords(excluded_fields=["updated_at", "segmented"], bases=[RecordedReaders])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("read_post", "Granted reader of a strictly confidential post")]
        constraints = [
            models.CheckConstraint(condition=Q(classification__in=Level.values), name="post_level_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="post_status_valid"),
        ]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="post_community_newest"),
            # The feed's order: a LIMIT walks it newest first, and a cursor starts mid-way.
            models.Index(fields=["-created_at", "-id"], name="post_newest"),
        ]

    def get_absolute_url(self):
        return link("posts:detail", "pk", self.pk)  # reverse(), once per route (unisocial.links)


class PostReader(UserObjectPermissionBase):
    """An individually granted reader of a strictly confidential post (guardian direct-FK grant)."""

    content_object = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reader_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("post reader")



class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("posts:tag", kwargs={"slug": self.slug})


class Like(models.Model):
    """A "recommend" of a post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    access_parent = "post"
    objects = AccessQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_like_per_user")]

    def __str__(self):
        return f"{self.user} recommends {self.post_id}"
