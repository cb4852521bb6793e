"""Where attachments are kept (SPEC §2.3, §8): the ``private`` storage alias.

Model fields name the storage through ``private_storage_for_field`` (a callable), so a migration
records that function's dotted path, never a directory of the machine it was made on. The alias
is looked up lazily and again after a reset, so tests (and settings changes) can move it.
"""
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import LazyObject


class PrivateFileSystemStorage(FileSystemStorage):
    """The local default: files under ``settings.PRIVATE_MEDIA_ROOT`` (no URL route serves them).

    The location is read from the setting each time it is needed (not once at start-up), as
    ``FileSystemStorage`` does for MEDIA_ROOT, so a changed setting takes effect."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


def private_storage_for_field():
    """The storage of attachment fields (a callable, so migrations record its path, not its location)."""
    return private_storage


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:  # the object store's failures (unreachable, refused), when django-storages' S3 backend is in use
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        pass
    else:
        errors += [BotoCoreError, ClientError]
    return tuple(errors)


# What a storage operation raises when the store fails (a disk error, the object store unreachable):
# callers that retry later (file deletions of purges and expired exports) catch these.
STORAGE_ERRORS = _storage_errors()


def set_content_length(response, handle) -> None:
    """A ``FileResponse`` of a streamed object (``unisocial.s3_storage``) cannot measure its file
    by seeking; the object's length, known from the store's answer, is sent instead (browsers
    show a download's progress). ``handle``: the opened file, or a model's ``FieldFile`` of it."""
    if "Content-Length" in response:
        return
    from django.db.models.fields.files import FieldFile

    # A FieldFile's own ``size`` would ask the store again; the opened object knows it already.
    size = getattr(handle.file if isinstance(handle, FieldFile) else handle, "size", None)
    if isinstance(size, int):
        response["Content-Length"] = size
