"""Archive packages (SPEC §4): zipped BagIt bags, validated by re-reading them."""
import zipfile
from pathlib import Path

import bagit  # dev dependency: an independent RFC 8493 validator
import pytest
from zeal import zeal_ignore

from posts import services as post_services
from posts.models import Post
from records import packages
from records.packages import PackageError, package_items, packaged, verify_package

from .conftest import attach, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(community, cast, private_media):
    post = make_post(community, cast["author"], level="confidential", old=False)
    with zeal_ignore():  # building the test data calls the same services several times
        post_services.post_update(actor=cast["author"], post=post, body="<p>Revised</p>")
        # A revision recorded higher than the item is now: the package's highest level says so.
        post_services.item_reclassify(actor=cast["author"], item=post, classification="strictly_confidential")
        post_services.item_reclassify(actor=cast["author"], item=post, classification="confidential",
                                      reason="Over-classified")
        post_services.comment_create(actor=cast["plain"], post=post, body="A comment")
        attach(post, cast["author"], name="Annual Report.txt", content=b"numbers")
    objs = list(packaged(Post).filter(pk=post.pk))
    relative, checksum = package_items(objs, relative_path=f"archive/test/post-{post.pk}.zip",
                                       external_id=f"unisocial:post:{post.pk}")
    return post, Path(private_media) / relative, checksum


def test_the_bag_validates_with_an_independent_bagit_implementation(package, tmp_path):
    post, path, checksum = package
    assert verify_package(path) == checksum
    with zipfile.ZipFile(path) as z:
        z.extractall(tmp_path / "out")
    bag = bagit.Bag(str(tmp_path / "out" / f"post-{post.pk}"))
    bag.validate()  # raises on any missing file or checksum mismatch
    assert bag.info["Highest-Classification"] == "Strictly Confidential"
    assert bag.info["Payload-Oxum"] and bag.info["Bagging-Date"]
    assert set(bag.payload_files()) == {
        f"data/post-{post.pk}.json", f"data/post-{post.pk}.html",
        *[f for f in bag.payload_files() if f.startswith(f"data/post-{post.pk}-files/")],
    }
    assert any(f.endswith("-annual-report.txt") for f in bag.payload_files())


def test_the_json_holds_metadata_body_revisions_and_comments(package):
    import json

    post, path, _checksum = package
    with zipfile.ZipFile(path) as z:
        root = z.namelist()[0].split("/")[0]
        document = json.loads(z.read(f"{root}/data/post-{post.pk}.json"))
        html = z.read(f"{root}/data/post-{post.pk}.html").decode()
    assert document["title"] == "Budget review" and document["body"] == "<p>Revised</p>"
    assert document["classification"] == "confidential"
    assert len(document["revisions"]) >= 4
    assert {r["classification"] for r in document["revisions"]} >= {"confidential", "strictly_confidential"}
    assert document["comments"][0]["body_source"] == "A comment"
    assert document["attachments"][0]["filename"] == "Annual Report.txt"
    # The marking (the highest level in the document) opens and closes the rendering.
    marking = '<p class="classification-marking" role="note"><strong>STRICTLY CONFIDENTIAL</strong></p>'
    body = html.split("<body>")[1].split("</body>")[0].strip()
    assert body.startswith(marking) and body.endswith(marking)


def test_a_tampered_bag_fails_verification(package, tmp_path):
    post, path, _checksum = package
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".json"):
                data = data.replace(b"Revised", b"Forged!")
            dst.writestr(info, data)
    with pytest.raises(PackageError, match="does not match the manifest"):
        verify_package(tampered)
    with pytest.raises(PackageError, match="checksum changed"):
        verify_package(path, expected_checksum="0" * 64)


def test_a_damaged_attachment_is_refused(community, cast, private_media):
    post = make_post(community, cast["author"], old=False)
    attachment = attach(post, cast["author"])
    (Path(private_media) / attachment.file.name).write_bytes(b"changed on disk")
    with pytest.raises(PackageError):
        packages.package_items(list(packaged(Post).filter(pk=post.pk)), relative_path="archive/x/post.zip",
                               external_id="x")
