"""The ``private`` storage alias on an S3-compatible object store (SPEC §8), with ``STORAGE_BACKEND=s3``.

Attachments, archive packages (``archive/…``) and community exports (``exports/…``) then live in
one bucket that every web and worker process of every machine shares; nothing stays on the disk
of the node that wrote it. The store stays private:

* no ACL is ever sent (the bucket's own policy, private, applies) and ``url()`` refuses: nothing
  points a browser at the store, signed or not. Every download goes through the site's own
  access-checked views, which stream the object (SPEC §2.3: 404 and no trace otherwise).
* writing a file that is on disk (a package built in a temporary file, a large upload Django
  spooled to disk) uploads it from its path, part by part from the disk, not through memory;
* reading streams the object (``GetObject``'s body, read in chunks) instead of django-storages'
  default, which first copies the whole object into a temporary buffer (held in memory unless
  ``max_memory_size`` is set): a 50 MB package downloaded by several people is never held whole.

Only imported when configured (``unisocial.settings.base``), so the local default needs no boto.
"""

import os

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.core.files import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

MB = 1024 * 1024


def _path_on_disk(content) -> str | None:
    """The local file behind ``content`` when it is a whole file on disk (a package's temporary
    file, an upload Django spooled to a temporary file): uploaded from the path, each part read
    from the disk as it is sent instead of being copied into memory first."""
    if hasattr(content, "temporary_file_path"):
        return content.temporary_file_path()
    inner = getattr(content, "file", content)
    name = getattr(inner, "name", None)
    if isinstance(name, str) and os.path.isabs(name) and os.path.isfile(name) and "b" in getattr(inner, "mode", ""):
        return name
    return None


class StreamedObject(File):
    """An object of the store opened for reading: ``read(n)`` pulls the next bytes of the
    response body; ``size`` is the object's length (the views send it as Content-Length)."""

    def __init__(self, body, name, size):
        super().__init__(body, name)
        self.size = size
        self.mode = "rb"

    def seekable(self):
        return False

    def readable(self):
        return True

    def __iter__(self):  # chunks, not lines (a binary object has no meaningful lines)
        yield from self.chunks()

    def chunks(self, chunk_size=None):
        chunk_size = chunk_size or self.DEFAULT_CHUNK_SIZE
        while chunk := self.file.read(chunk_size):
            yield chunk

    def open(self, mode=None):
        raise ValueError("A streamed object cannot be reopened; open it again from the storage.")


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, kept private (no ACL, no URL) and streamed when read."""

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "default_acl": None,  # the bucket's policy (private), never public-read
            "querystring_auth": True,
            # Never overwrite: two uploads of the same name each get their own object.
            "file_overwrite": False,
            # Writes (S3File in "wb") spill to disk past 4 MB instead of growing in memory.
            "max_memory_size": 4 * MB,
            # An upload from memory (a small file) holds at most max_concurrency parts of 8 MB.
            "transfer_config": TransferConfig(multipart_chunksize=8 * MB, max_concurrency=4),
        }

    def _save(self, name, content):
        path = _path_on_disk(content)
        if path is None or self.gzip:
            return super()._save(name, content)
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        params = self._get_write_parameters(key, content)
        self.bucket.Object(key).upload_file(path, ExtraArgs=params, Config=self.transfer_config)
        return cleaned

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        try:
            response = self.bucket.Object(key).get()
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404 or err.response.get(
                "Error", {}
            ).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        return StreamedObject(response["Body"], name, response["ContentLength"])

    def url(self, name, *args, **kwargs):
        raise NotImplementedError(
            "Private storage has no URLs: files are served by the site's access-checked views (SPEC §8)."
        )
