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
