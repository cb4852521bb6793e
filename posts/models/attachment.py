"""Attachments: files outside any public path, served only by a permission-checked
view (SPEC §2.3); they inherit their parent's level and audience."""
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject

from unisocial.access import AccessQuerySet


class PrivateStorage(LazyObject):
    def _setup(self):
        # No base_url: these files have no public address.
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = PrivateStorage()


def _upload_to(instance, filename):
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class AttachmentBase(models.Model):
    file = models.FileField(upload_to=_upload_to, storage=private_storage, max_length=300)
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
