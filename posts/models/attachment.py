"""Attachments: files outside any public path, served only by a permission-checked
view (SPEC §2.3); they inherit their parent's level and audience."""
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from communities.access import AccessQuerySet
from unisocial.private_storage import private_storage, private_storage_for_field

__all__ = ["AttachmentBase", "PostAttachment", "WikiAttachment", "private_storage"]


def _upload_to(instance, filename):
    # A random part: unique without asking the store first. An object store has no exclusive
    # create, so two nodes saving "minutes.txt" at the same moment would otherwise both find the
    # name free and one would overwrite the other's file (SPEC §8: many nodes, one store).
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(8)}-{filename}"


class AttachmentBase(models.Model):
    file = models.FileField(upload_to=_upload_to, storage=private_storage_for_field, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AccessQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.filename


class PostAttachment(AttachmentBase):
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="attachments")
    access_parent = "post"


class WikiAttachment(AttachmentBase):
    page = models.ForeignKey("posts.WikiPage", on_delete=models.CASCADE, related_name="attachments")
    access_parent = "page"
