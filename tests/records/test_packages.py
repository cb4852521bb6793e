"""Archive packages (SPEC §4): zipped BagIt bags, validated by re-reading them."""
import json
import re
import zipfile
from pathlib import Path

import bagit  # dev dependency: an independent RFC 8493 validator
import pytest
from zeal import zeal_ignore

from posts import services as post_services
from posts.models import Post
from records import packages
from records.packages import PackageError, file_sha256, package_items, packaged, verify_package

from .bagit_check import validate_with_bagit
from .conftest import attach, make_post, make_wiki

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
    # The item's marking — its level now, not its highest revision's — opens and closes the rendering.
    marking = '<p class="classification-marking" role="note"><strong>CONFIDENTIAL</strong></p>'
    body = html.split("<body>")[1].split("</body>")[0].strip()
    assert body.startswith(marking) and body.endswith(marking)
    assert "<dt>Classification</dt><dd>Confidential</dd>" in html


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


def _read(path, name):
    with zipfile.ZipFile(path) as z:
        root = z.namelist()[0].split("/")[0]
        return z.read(f"{root}/{name}").decode()


def _revision_markings(html):
    """The marking of each revision in the rendering, oldest first."""
    return re.findall(r'classification-marking--revision">([^<]+)</strong>', html)


def test_a_declassified_item_is_marked_at_its_new_level_and_each_revision_at_its_own(
    community, cast, private_media, packages_checked_by_bagit
):
    # The fault this guards against: the item was marked with its highest revision's level, so a
    # declassified item kept its old marking.
    post = make_post(community, cast["author"], level="strictly_confidential", old=False)
    with zeal_ignore():
        post_services.item_reclassify(actor=cast["author"], item=post, classification="confidential",
                                      reason="Declassified after review")
    relative, checksum = package_items(list(packaged(Post).filter(pk=post.pk)),
                                       relative_path=f"archive/t/post-{post.pk}.zip",
                                       external_id=f"unisocial:post:{post.pk}")
    path = Path(private_media) / relative
    html = _read(path, f"data/post-{post.pk}.html")
    document = json.loads(_read(path, f"data/post-{post.pk}.json"))

    assert document["classification"] == "confidential" and document["classification_label"] == "Confidential"
    body = html.split("<body>")[1].split("</body>")[0].strip()
    marking = '<p class="classification-marking" role="note"><strong>CONFIDENTIAL</strong></p>'
    assert body.startswith(marking) and body.endswith(marking)
    assert "STRICTLY CONFIDENTIAL</strong></p>" not in html
    assert "<dt>Classification</dt><dd>Confidential</dd>" in html
    # Each revision: the level it was recorded at.
    assert [r["classification"] for r in document["revisions"]] == ["strictly_confidential", "confidential"]
    assert [r["classification_label"] for r in document["revisions"]] == ["Strictly Confidential", "Confidential"]
    assert _revision_markings(html) == ["STRICTLY CONFIDENTIAL", "CONFIDENTIAL"]
    # The bag as a whole holds a revision recorded strictly confidential: bag-info names that level.
    bag = validate_with_bagit(path)
    assert bag.info["Highest-Classification"] == "Strictly Confidential"
    # The build itself was checked by bagit, and what is stored is that package.
    assert checksum in packages_checked_by_bagit and file_sha256(path) == checksum


def test_a_raised_item_is_marked_at_its_new_level_and_the_bag_names_it(community, cast, private_media):
    page = make_wiki(community, cast["author"], level="unclassified", old=False)
    with zeal_ignore():
        post_services.item_reclassify(actor=cast["owner"], item=page, classification="confidential")
    relative, _checksum = package_items(list(packaged(type(page)).filter(pk=page.pk)),
                                        relative_path=f"archive/t/wiki-{page.pk}.zip",
                                        external_id=f"unisocial:wiki:{page.pk}")
    path = Path(private_media) / relative
    html = _read(path, f"data/wiki-{page.pk}.html")
    assert '<p class="classification-marking" role="note"><strong>CONFIDENTIAL</strong></p>' in html
    assert _revision_markings(html) == ["UNCLASSIFIED", "CONFIDENTIAL"]
    assert validate_with_bagit(path).info["Highest-Classification"] == "Confidential"


def test_a_community_package_marks_each_item_at_its_own_level(community, cast, private_media):
    low = make_post(community, cast["author"], level="unclassified", title="Low", old=False)
    high = make_post(community, cast["author"], level="strictly_confidential", title="High", old=False)
    page = make_wiki(community, cast["author"], level="confidential", old=False)
    objs = [community, *packaged(Post).filter(pk__in=[low.pk, high.pk]).order_by("pk"),
            *packaged(type(page)).filter(pk=page.pk)]
    relative, _checksum = package_items(objs, relative_path=f"archive/t/community-{community.pk}.zip",
                                        external_id=f"unisocial:community:{community.pk}")
    path = Path(private_media) / relative
    bag = validate_with_bagit(path)
    assert bag.info["Highest-Classification"] == "Strictly Confidential"
    assert "CONFIDENTIAL</strong></p>" in _read(path, f"data/wiki-{page.pk}.html")
    assert "<strong>UNCLASSIFIED</strong>" in _read(path, f"data/post-{low.pk}.html")
    assert "<strong>STRICTLY CONFIDENTIAL</strong>" in _read(path, f"data/post-{high.pk}.html")
    document = json.loads(_read(path, f"data/community-{community.pk}.json"))
    assert set(document["contents"]) == {f"post-{low.pk}", f"post-{high.pk}", f"wiki-{page.pk}"}


def test_each_item_carries_its_language_in_the_json_the_rendering_and_bag_info(
    community, cast, private_media, tmp_path
):
    """SPEC §7: archive packages carry the language each item is written in; the bag still
    validates with the independent BagIt implementation."""
    cast["plain"].language = "ru"
    cast["plain"].save(update_fields=["language"])
    post = make_post(community, cast["author"], old=False, language="fr")
    with zeal_ignore():
        post_services.comment_create(actor=cast["plain"], post=post, body="Un commentaire")
    page = make_wiki(community, cast["author"], old=False)  # no choice: the author's, else the site's
    objs = [*packaged(Post).filter(pk=post.pk), *packaged(type(page)).filter(pk=page.pk)]
    relative, _checksum = package_items(objs, relative_path=f"archive/t/lang-{post.pk}.zip",
                                        external_id=f"unisocial:post:{post.pk}")
    path = Path(private_media) / relative
    document = json.loads(_read(path, f"data/post-{post.pk}.json"))
    assert document["language"] == "fr"
    assert document["comments"][0]["language"] == "fr"  # a comment is in its post's language
    assert {r["language"] for r in document["revisions"]} == {"fr"}
    wiki_document = json.loads(_read(path, f"data/wiki-{page.pk}.json"))
    assert wiki_document["language"] == (cast["author"].language or "en")
    html = _read(path, f"data/post-{post.pk}.html")
    assert '<article dir="auto" lang="fr">' in html and "<dt>Language</dt><dd>fr</dd>" in html
    with zipfile.ZipFile(path) as z:
        z.extractall(tmp_path / "out")
    bag = bagit.Bag(str(tmp_path / "out" / z.namelist()[0].split("/")[0]))
    bag.validate()
    assert bag.info["Content-Languages"] == ", ".join(sorted({"fr", wiki_document["language"]}))
