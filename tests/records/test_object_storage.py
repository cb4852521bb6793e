"""Files in an S3-compatible object store (SPEC §8), against a real S3 server on loopback.

moto's standalone server (``tests/services/s3.py``; the ``s3_storage`` fixture gives each test
its own private bucket with ``STORAGES["private"]`` on it). Nothing is mocked: boto3 and
django-storages speak HTTP to the server, and the bucket is read back with boto3.

* an attachment is stored in the bucket (and nowhere on the local disk), downloaded through the
  access-checked view with the same bytes; anyone who may not see it gets the same 404 as for an
  attachment that does not exist, and no access-log line;
* a community export and a disposition package are built, verified, stored in the bucket
  (its stored bytes hash to the recorded checksum, and validate with bagit), downloadable
  through the export's view;
* deleting (an expired export) and destroying (a disposition's purge) remove the objects.
"""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from zeal import zeal_ignore

from posts.models import AccessLog, Post, PostAttachment
from records import disposition, exports, packages, quarantine
from records.models import CommunityExport, DispositionRecord
from tests.services.s3 import MOTO_MISSING, SKIP_REASON

from .bagit_check import validate_with_bagit
from .conftest import after_restore_window, attach, gather_and_approve, make_post, schedule

pytestmark = [pytest.mark.services, pytest.mark.skipif(MOTO_MISSING, reason=SKIP_REASON), pytest.mark.django_db]

BASE_DIR = Path(__file__).resolve().parents[2]
# Bigger than any one read or write of the code paths (1 MB chunks, 64 KB responses), not a round number.
CONTENT = os.urandom(3 * 1024 * 1024 + 12345)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local_files(root) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def scrubbed(response) -> str:
    """The page minus its per-request CSRF token and the ids in its own address (the language
    form's ``next``), as tests/security/test_existence_oracles.py compares answers."""
    body = re.sub(r"attachments/\d+/", "attachments/<id>/", response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', body)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_attachment_lives_in_the_bucket_and_is_downloaded_through_the_view(
    community, cast, private_media, s3_storage
):
    server, bucket = s3_storage
    post = make_post(community, cast["author"], old=False)
    attachment = attach(post, cast["author"], name="Minutes.txt", content=CONTENT)

    assert server.keys(bucket) == [attachment.file.name]
    assert attachment.file.name.startswith("attachments/")
    assert server.read(bucket, attachment.file.name) == CONTENT
    assert local_files(private_media) == []  # nothing on this node's disk

    response = logged_in(cast["plain"]).get(reverse("posts:attachment", args=[post.pk, attachment.pk]))
    assert response.status_code == 200
    assert response.streaming and b"".join(response.streaming_content) == CONTENT
    assert response["Content-Length"] == str(len(CONTENT))
    assert "attachment" in response["Content-Disposition"] and "Minutes.txt" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_two_files_of_the_same_name_are_two_objects(community, cast, private_media, s3_storage):
    # Names are made unique without asking the store (which has no exclusive create): two nodes
    # saving the same file name cannot overwrite each other's object.
    server, bucket = s3_storage
    post = make_post(community, cast["author"], old=False)
    first = attach(post, cast["author"], name="Minutes.txt", content=b"first minutes")
    second = attach(post, cast["author"], name="Minutes.txt", content=b"second minutes")
    assert first.file.name != second.file.name and server.keys(bucket) == sorted([first.file.name, second.file.name])
    client = logged_in(cast["plain"])
    for attachment, content in ((first, b"first minutes"), (second, b"second minutes")):
        response = client.get(reverse("posts:attachment", args=[post.pk, attachment.pk]))
        assert b"".join(response.streaming_content) == content


def test_an_attachment_someone_may_not_see_is_a_404_like_one_that_does_not_exist(
    community, cast, private_media, s3_storage
):
    server, bucket = s3_storage
    post = make_post(community, cast["author"], level="strictly_confidential", old=False)
    attachment = attach(post, cast["author"], name="Secret-plan.txt", content=b"the secret plan")
    outsider, plain = logged_in(cast["outsider"]), logged_in(cast["plain"])

    url = reverse("posts:attachment", args=[post.pk, attachment.pk])
    absent = reverse("posts:attachment", args=[post.pk, attachment.pk + 1000])
    # The outsider (not a member) and a member who is not a named reader of the SC post.
    for client in (outsider, plain):
        hidden, missing = client.get(url), client.get(absent)
        assert hidden.status_code == missing.status_code == 404
        assert scrubbed(hidden) == scrubbed(missing)
        assert b"the secret plan" not in hidden.content and b"Secret-plan" not in hidden.content
        assert "Location" not in hidden  # never a redirect to the store
    assert not AccessLog.objects.filter(user__in=[cast["outsider"], cast["plain"]]).exists()
    assert server.keys(bucket) == [attachment.file.name]  # untouched


def test_the_store_never_gives_out_a_url(community, cast, private_media, s3_storage):
    post = make_post(community, cast["author"], old=False)
    attachment = attach(post, cast["author"])
    with pytest.raises(NotImplementedError):
        attachment.file.url  # noqa: B018 (no presigned or public URL: downloads go through the views)


def test_a_missing_object_is_a_404_not_a_500(community, cast, private_media, s3_storage):
    server, bucket = s3_storage
    post = make_post(community, cast["author"], old=False)
    attachment = attach(post, cast["author"])
    server.client().delete_object(Bucket=bucket, Key=attachment.file.name)
    response = logged_in(cast["plain"]).get(reverse("posts:attachment", args=[post.pk, attachment.pk]))
    assert response.status_code == 404


def test_a_community_export_is_built_into_the_bucket_verified_and_downloaded(
    community, cast, private_media, s3_storage, django_capture_on_commit_callbacks, tmp_path
):
    server, bucket = s3_storage
    owner = cast["owner"]
    with zeal_ignore():
        post = make_post(community, cast["author"], old=False)
    attachment = attach(post, cast["author"], name="Minutes.txt", content=CONTENT)
    api = APIClient()
    api.force_authenticate(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/communities/{community.slug}/export/")
    assert response.status_code == 202, response.content
    export = CommunityExport.objects.get(pk=response.json()["id"])
    assert export.state == CommunityExport.State.DONE, export.error

    assert export.file.startswith("exports/") and server.keys(bucket) == sorted([attachment.file.name, export.file])
    stored = server.read(bucket, export.file)
    assert sha256(stored) == export.sha256 and len(stored) == export.size
    assert local_files(private_media) == []

    download = api.get(f"/api/v1/communities/{community.slug}/exports/{export.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    assert data == stored and download["Content-Length"] == str(len(stored))
    page = logged_in(owner).get(reverse("communities:export_download", args=[community.slug, export.pk]))
    assert page.status_code == 200 and b"".join(page.streaming_content) == stored
    path = tmp_path / "export.zip"
    path.write_bytes(data)
    bag = validate_with_bagit(path)
    (payload,) = [f for f in bag.payload_files() if f.endswith("-minutes.txt")]
    assert bag.entries[payload]["sha256"] == sha256(CONTENT)

    # Someone outside the community may not download it: 404, as for an export that does not exist
    # (a member who is not an owner gets the owners-only 403 of the community's export pages).
    outsider = APIClient()
    outsider.force_authenticate(cast["outsider"])
    for pk in (export.pk, export.pk + 1000):
        assert outsider.get(f"/api/v1/communities/{community.slug}/exports/{pk}/download/").status_code == 404
    assert not AccessLog.objects.filter(user=cast["outsider"]).exists()

    # Expired: the object leaves the bucket; the row stays, metadata only.
    assert exports.expire_exports(now=timezone.now() + timezone.timedelta(days=30)) == {"removed": 1}
    assert server.keys(bucket) == [attachment.file.name]


def test_a_disposition_stores_a_verified_package_and_its_purge_removes_the_files(
    community, cast, officer, private_media, s3_storage, tmp_path
):
    server, bucket = s3_storage
    post = make_post(community, cast["author"])
    kept = make_post(community, cast["author"], title="Still active", old=False)
    attachment = attach(post, cast["author"], name="Minutes.txt", content=CONTENT)
    other = attach(kept, cast["author"], name="Other.txt", content=b"not disposed of")
    Post.objects.filter(pk=post.pk).update(updated_at=timezone.now() - timezone.timedelta(days=4000))
    schedule("post", retain_days=365, disposition="transfer")
    (batch,) = gather_and_approve(officer)
    disposition.run_batch(batch.pk)

    package = f"archive/batch-{batch.pk}/post-{post.pk}.zip"
    assert server.keys(bucket, "archive/") == [package]
    item = batch.items.get()
    assert item.package_path == package
    stored = server.read(bucket, package)
    assert sha256(stored) == item.package_checksum == packages.stored_sha256(package)
    path = tmp_path / "package.zip"
    path.write_bytes(stored)
    assert packages.verify_package(path) == item.package_checksum
    validate_with_bagit(path)
    assert attachment.file.name in server.keys(bucket)  # quarantined: kept for the restore window

    quarantine.purge_due(now=after_restore_window())
    assert DispositionRecord.objects.get(target_id=post.pk).package_path == package
    assert not PostAttachment.objects.filter(pk=attachment.pk).exists()
    # Destroyed: the attachment's object is gone; the package and the other item's file stay.
    assert server.keys(bucket) == sorted([package, other.file.name])
    assert local_files(private_media) == []


def test_a_package_whose_stored_copy_differs_is_deleted_and_refused(community, cast, private_media, s3_storage):
    server, bucket = s3_storage
    post = make_post(community, cast["author"], old=False)
    with pytest.raises(packages.PackageError):
        with open(os.devnull, "rb") as empty:  # what is uploaded (nothing) is not what was verified
            packages.store_package(empty, f"archive/x/post-{post.pk}.zip", "0" * 64)
    assert server.keys(bucket) == []


def test_storage_backend_s3_in_the_environment_configures_the_bucket(s3_server):
    """The settings another node starts with (STORAGE_BACKEND=s3 and the AWS_* variables):
    a process of its own writes through the private alias and the object is in the bucket."""
    bucket = s3_server.new_bucket()
    try:
        code = (
            "import django; django.setup()\n"
            "from django.core.files.base import ContentFile\n"
            "from unisocial.private_storage import private_storage\n"
            "print(private_storage.save('attachments/node.txt', ContentFile(b'from another node')))\n"
            "print(type(private_storage._wrapped).__name__)\n"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "unisocial.settings.test",
            "SECRET_KEY": "x",
            **s3_server.env(bucket),
        }
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[-2:] == ["attachments/node.txt", "PrivateS3Storage"]
        assert s3_server.keys(bucket) == ["attachments/node.txt"]
        assert s3_server.read(bucket, "attachments/node.txt") == b"from another node"
    finally:
        s3_server.drop_bucket(bucket)


def test_storage_backend_s3_without_a_bucket_refuses_to_start():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unisocial.settings.test",
        "SECRET_KEY": "x",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in result.stderr


@pytest.mark.skipif(os.environ.get("STORAGE_BACKEND") == "s3", reason="this run is configured for S3")
def test_the_private_storage_is_local_by_default(private_media):
    from django.core.files.storage import storages

    from unisocial.private_storage import PrivateFileSystemStorage

    assert isinstance(storages["private"], PrivateFileSystemStorage)
