"""A real S3-compatible server on loopback for tests (SPEC §8: files in a shared object store).

moto's standalone server (``moto[server]``, ``ThreadedMotoServer``) listens on 127.0.0.1 on a
free port, in a thread of the test process; boto3 and django-storages talk HTTP to it exactly as
to MinIO or AWS (nothing is mocked). Other processes (a second node, a Celery worker) reach the
same server through ``S3Server.env()``.

Reuse from a test module or conftest::

    from tests.services.s3 import MOTO_MISSING, S3Server, private_storage_on

    s3 = S3Server.start()                 # or the ``s3_server`` fixture (one per session)
    bucket = s3.new_bucket()              # a fresh, empty, private bucket
    with private_storage_on(s3, bucket):  # STORAGES["private"] on it, the aliases reset
        ...
    s3.keys(bucket)                       # what the bucket holds, read with boto3

The fixtures of ``tests/conftest.py``: ``s3_server`` (session) and ``s3_storage`` (a test's own
bucket, the private storage alias on it, and the alias put back afterwards).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field

try:
    import boto3
    from moto.server import ThreadedMotoServer
except ImportError:  # moto[server] (a dev dependency) is not installed
    boto3 = ThreadedMotoServer = None

MOTO_MISSING = ThreadedMotoServer is None
SKIP_REASON = "needs moto's S3 server (pip install 'moto[server]'): a real S3-compatible server on loopback"

ACCESS_KEY, SECRET_KEY, REGION = "unisocial-test", "unisocial-test-secret", "us-east-1"


@dataclass
class S3Server:
    endpoint_url: str
    _server: object = field(repr=False, default=None)

    @classmethod
    def start(cls) -> S3Server:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request in test output
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        return cls(endpoint_url=f"http://{host}:{port}", _server=server)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self, prefix="unisocial-test") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def drop_bucket(self, bucket) -> None:
        client = self.client()
        for key in self.keys(bucket):
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)

    def keys(self, bucket, prefix="") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", ()))

    def read(self, bucket, key) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def storage_options(self, bucket) -> dict:
        """The ``OPTIONS`` of ``STORAGES["private"]`` on ``bucket`` (as STORAGE_BACKEND=s3 builds them)."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint_url,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": REGION,
        }

    def env(self, bucket) -> dict[str, str]:
        """The environment that makes another process (``unisocial.settings``) use ``bucket``."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
        }


def reset_private_storage() -> None:
    """Forget the storage objects built from the settings (Django's alias cache and ours)."""
    from django.core.files.storage import storages
    from django.utils.functional import empty

    from unisocial.private_storage import private_storage

    storages._storages = {}
    private_storage._wrapped = empty


@contextlib.contextmanager
def private_storage_on(server: S3Server, bucket: str):
    """``STORAGES["private"]`` on ``bucket`` of ``server`` for the block; put back afterwards."""
    from django.conf import settings
    from django.test import override_settings

    stores = {
        **settings.STORAGES,
        "private": {"BACKEND": "unisocial.s3_storage.PrivateS3Storage", "OPTIONS": server.storage_options(bucket)},
    }
    try:
        with override_settings(STORAGES=stores):
            reset_private_storage()
            yield
    finally:
        reset_private_storage()
