"""Files attached to posts and wiki pages, within size and type limits (SPEC §2.3)."""
import hashlib
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..models import Post, PostAttachment, WikiAttachment
from .rules import _request_write, _require_member, _require_writable

ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
}


@transaction.atomic
def _attach(actor, item, upload, *, new_item=False) -> None:
    """The optional file of a post or wiki form: written with the item, in its transaction.
    ``new_item``: the item is being created (see ``attachment_add``)."""
    if upload:
        attachment_add(actor=actor, item=item, upload=upload, new_item=new_item)


def attachment_add(*, actor, item, upload, new_item=False):
    """Attach a file to a post (its author) or a wiki page (any editor), within size and type limits.

    A file added to an existing item is a write on it, refused for a held item (SPEC §4). With
    ``new_item`` (the file an item is created with, in the same transaction) nothing is asked:
    a new post or page in a held community is allowed, held from birth, with its file."""
    _require_writable(item.community)
    if not new_item:
        _request_write(item)
    if isinstance(item, Post):
        if item.author_id != actor.pk:
            raise PermissionDenied(_("Only the author can attach files to this post."))
        _require_member(actor, item.community)
        model, parent = PostAttachment, {"post": item}
    else:
        _require_member(actor, item.community)
        model, parent = WikiAttachment, {"page": item}
    name = os.path.basename(upload.name or "")[:200]
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            {"file": _("This type of file is not accepted. Accepted: %(types)s")
             % {"types": ", ".join(sorted(ATTACHMENT_TYPES))}}
        )
    max_bytes = settings.ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            # filesizeformat: a limit below 1 MB must not read "0 MB at most".
            {"file": _("The file is too large (%(size)s at most).")
             % {"size": filesizeformat(max_bytes)}}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return model.objects.create(
        file=upload, filename=name, content_type=ATTACHMENT_TYPES[ext], size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=actor, **parent,
    )
