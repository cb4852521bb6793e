"""Archive packages (SPEC §4): BagIt bags (RFC 8493, version 1.0), zipped.

A package holds one disposed item (or a community and everything in it)::

    <bag>/bagit.txt
    <bag>/bag-info.txt            Bagging-Date, Payload-Oxum, Highest-Classification, …
    <bag>/manifest-sha256.txt     every payload file
    <bag>/tagmanifest-sha256.txt  bagit.txt, bag-info.txt, manifest-sha256.txt
    <bag>/data/<type>-<id>.json   metadata, body, revisions, comments, attachments
    <bag>/data/<type>-<id>.html   a rendering with the classification marking at top and bottom
    <bag>/data/<type>-<id>-files/<attachment id>-<name>   the attachment files

Packages are written under ``PRIVATE_MEDIA_ROOT/archive/`` (never served
directly) to a temporary name and renamed into place, so a worker killed while
writing leaves no half package behind under the final name; ``verify_package``
re-reads the zip and checks every checksum before anything is destroyed.
"""
import hashlib
import io
import json
import os
import zipfile
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from unisocial.classification import Level, highest

BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


class PackageError(Exception):
    """The package does not validate: nothing may be destroyed."""


def packaged(model):
    """``model``'s rows with what a package reads prefetched (one query per relation, not per item)."""
    from django.db.models import Prefetch

    from posts.models import Post

    attachments = model._meta.get_field("attachments").related_model.objects.select_related("uploaded_by")
    qs = model.objects.select_related("community", "author").prefetch_related(
        Prefetch("attachments", queryset=attachments.order_by("id"))
    )
    if model is Post:
        return qs.prefetch_related("tags")
    return qs.select_related("last_edited_by")


def archive_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "archive"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _user(u):
    return u.username if u is not None else None


def _revisions(history_rows, fields):
    return [
        {
            "history_id": h.history_id,
            "history_date": h.history_date,
            "history_type": {"+": "created", "~": "changed", "-": "deleted"}.get(h.history_type, h.history_type),
            "history_user": _user(h.history_user),
            "change_reason": h.history_change_reason,
            **{f: getattr(h, f) for f in fields},
        }
        for h in history_rows
    ]


def _attachments(item, prefix):
    entries, files = [], []
    for a in item.attachments.all():
        stem, ext = os.path.splitext(a.filename)
        arcname = f"data/{prefix}-files/{a.pk}-{slugify(stem)[:60] or 'file'}{ext.lower()[:10]}"
        entries.append({"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                        "sha256": a.sha256, "uploaded_by": _user(a.uploaded_by), "created_at": a.created_at,
                        "path": arcname})
        files.append((arcname, a.file.name, a.sha256))
    return entries, files


def post_payload(post):
    """(document, files, levels) for a post: its metadata, body, revisions, comments and attachments."""
    from posts.models import Comment

    revisions = _revisions(
        post.history.select_related("history_user").order_by("history_date", "history_id"),
        ["title", "body", "body_source", "classification", "status"],
    )
    comments = list(Comment.objects.filter(post_id=post.pk).select_related("author").order_by("created_at", "id"))
    comment_history = defaultdict(list)
    rows = Comment.history.model.objects.filter(post_id=post.pk).select_related("history_user")
    for h in rows.order_by("history_date", "history_id"):
        comment_history[h.id].append(h)
    attachments, files = _attachments(post, f"post-{post.pk}")
    document = {
        "type": "post",
        "id": post.pk,
        "community": {"id": post.community_id, "slug": post.community.slug, "name": post.community.name},
        "classification": post.classification,
        "classification_label": Level(post.classification).label,
        "status": post.status,
        "author": _user(post.author),
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "title": post.title,
        "body": post.body,
        "body_source": post.body_source,
        "body_format": post.body_format,
        "tags": sorted(t.name for t in post.tags.all()),
        "revisions": revisions,
        "comments": [
            {
                "id": c.pk,
                "parent": c.parent_id,
                "author": _user(c.author),
                "status": c.status,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
                "body": c.body,
                "body_source": c.body_source,
                "revisions": _revisions(comment_history.get(c.pk, []), ["body", "body_source", "status"]),
            }
            for c in comments
        ],
        "attachments": attachments,
    }
    levels = {post.classification, *(r["classification"] for r in revisions)}
    return document, files, levels


def wiki_payload(page):
    revisions = _revisions(
        page.history.select_related("history_user").order_by("history_date", "history_id"),
        ["title", "body", "body_source", "classification", "status"],
    )
    attachments, files = _attachments(page, f"wiki-{page.pk}")
    document = {
        "type": "wiki",
        "id": page.pk,
        "slug": page.slug,
        "community": {"id": page.community_id, "slug": page.community.slug, "name": page.community.name},
        "classification": page.classification,
        "classification_label": Level(page.classification).label,
        "status": page.status,
        "author": _user(page.author),
        "last_edited_by": _user(page.last_edited_by),
        "created_at": page.created_at,
        "updated_at": page.updated_at,
        "title": page.title,
        "body": page.body,
        "body_source": page.body_source,
        "body_format": page.body_format,
        "revisions": revisions,
        "comments": [],
        "attachments": attachments,
    }
    levels = {page.classification, *(r["classification"] for r in revisions)}
    return document, files, levels


def community_document(community, contents):
    fields = ["slug", "name", "description", "purpose", "objectives", "intended_audience", "risk_assessment",
              "visibility", "ceiling", "guidelines", "created_at", "last_activity_at", "is_archived", "archived_at"]
    return {
        "type": "community",
        "id": community.pk,
        **{f: getattr(community, f) for f in fields},
        "classification": community.ceiling,
        "classification_label": Level(community.ceiling).label,
        "title": community.name,
        "body": "",
        "revisions": [],
        "comments": [],
        "attachments": [],
        "contents": [f"{d['type']}-{d['id']}" for d in contents],
    }


def _html(document, level) -> str:
    return render_to_string(
        "records/package_item.html",
        {"doc": document, "marking": Level(level).label.upper(), "level_label": Level(level).label},
    )


def build_bag(documents, files, *, bag_name, external_id) -> tuple[bytes, str]:
    """The zipped bag as bytes, and its highest level. ``documents``: (document, levels) pairs."""
    payload: list[tuple[str, bytes]] = []
    all_levels = set()
    for document, levels in documents:
        all_levels |= set(levels)
        stem = f"data/{document['type']}-{document['id']}"
        payload.append((f"{stem}.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2,
                                                   ensure_ascii=False).encode()))
        payload.append((f"{stem}.html", _html(document, highest(levels)).encode()))
    from posts.models.attachment import private_storage

    for arcname, storage_name, expected in files:
        with private_storage.open(storage_name, "rb") as fh:
            data = fh.read()
        if expected and _sha256(data) != expected:
            raise PackageError(f"{storage_name}: the stored file does not match its recorded checksum")
        payload.append((arcname, data))
    level = highest(all_levels)
    manifest = "".join(f"{_sha256(data)}  {name}\n" for name, data in payload)
    octets = sum(len(data) for _n, data in payload)
    bag_info = (
        "Source-Organization: unisocial\n"
        f"Bagging-Date: {timezone.localdate().isoformat()}\n"
        f"Payload-Oxum: {octets}.{len(payload)}\n"
        f"Highest-Classification: {Level(level).label}\n"
        f"External-Identifier: {external_id}\n"
        "Bag-Software-Agent: unisocial records (RFC 8493)\n"
    )
    tags = [("bagit.txt", BAGIT_TXT.encode()), ("bag-info.txt", bag_info.encode()),
            ("manifest-sha256.txt", manifest.encode())]
    tagmanifest = "".join(f"{_sha256(data)}  {name}\n" for name, data in tags)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bag:
        for name, data in [*tags, ("tagmanifest-sha256.txt", tagmanifest.encode()), *payload]:
            info = zipfile.ZipInfo(f"{bag_name}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            bag.writestr(info, data)
    return buffer.getvalue(), level


def write_package(data: bytes, relative_path: str) -> str:
    """Write the zip under PRIVATE_MEDIA_ROOT atomically; return its SHA-256."""
    path = Path(settings.PRIVATE_MEDIA_ROOT) / relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".zip.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return _sha256(data)


def _parse_manifest(text: str, what: str) -> dict[str, str]:
    entries = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise PackageError(f"{what}: malformed line {line!r}")
        entries[parts[1].strip()] = parts[0].lower()
    return entries


def verify_package(path, expected_checksum: str | None = None) -> str:
    """Re-read a zipped bag and check every checksum (payload, tag files, Payload-Oxum, the zip itself).

    Returns the zip's SHA-256; raises ``PackageError`` on any mismatch.
    """
    path = Path(path)
    raw = path.read_bytes()
    checksum = _sha256(raw)
    if expected_checksum and checksum != expected_checksum:
        raise PackageError(f"{path.name}: the package's checksum changed after it was written")
    with zipfile.ZipFile(io.BytesIO(raw)) as bag:
        if bag.testzip() is not None:
            raise PackageError(f"{path.name}: corrupt zip member")
        names = bag.namelist()
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            raise PackageError(f"{path.name}: a bag has exactly one top directory")
        root = roots.pop()
        members = {n[len(root) + 1:]: n for n in names if not n.endswith("/")}

        def read(name):
            if name not in members:
                raise PackageError(f"{path.name}: {name} is missing")
            return bag.read(members[name])

        if read("bagit.txt").decode() != BAGIT_TXT:
            raise PackageError(f"{path.name}: bagit.txt is not a BagIt 1.0 declaration")
        manifest = _parse_manifest(read("manifest-sha256.txt").decode(), "manifest-sha256.txt")
        payload = {n for n in members if n.startswith("data/")}
        if set(manifest) != payload:
            raise PackageError(f"{path.name}: the manifest and the payload differ")
        octets = 0
        for name, digest in manifest.items():
            data = read(name)
            octets += len(data)
            if _sha256(data) != digest:
                raise PackageError(f"{path.name}: {name} does not match the manifest")
        for name, digest in _parse_manifest(read("tagmanifest-sha256.txt").decode(), "tagmanifest").items():
            if _sha256(read(name)) != digest:
                raise PackageError(f"{path.name}: {name} does not match the tag manifest")
        info = dict(
            line.split(":", 1) for line in read("bag-info.txt").decode().splitlines() if ":" in line
        )
        if info.get("Payload-Oxum", "").strip() != f"{octets}.{len(manifest)}":
            raise PackageError(f"{path.name}: Payload-Oxum does not match the payload")
        if not info.get("Highest-Classification", "").strip():
            raise PackageError(f"{path.name}: bag-info.txt names no highest classification")
    return checksum


def package_items(objs, *, relative_path: str, external_id: str) -> tuple[str, str]:
    """Build, write and verify the package of ``objs`` (posts, wiki pages, optionally a community first).

    Returns ``(relative_path, sha256)``.
    """
    from communities.models import Community
    from posts.models import Post

    documents, files = [], []
    community = None
    for obj in objs:
        if isinstance(obj, Community):
            community = obj
            continue
        document, item_files, levels = (post_payload if isinstance(obj, Post) else wiki_payload)(obj)
        documents.append((document, levels))
        files.extend(item_files)
    if community is not None:
        contents = [d for d, _l in documents]
        levels = {community.ceiling}.union(*(lv for _d, lv in documents))
        documents.insert(0, (community_document(community, contents), levels))
    bag_name = Path(relative_path).stem
    data, _level = build_bag(documents, files, bag_name=bag_name, external_id=external_id)
    checksum = write_package(data, relative_path)
    verify_package(Path(settings.PRIVATE_MEDIA_ROOT) / relative_path, checksum)
    return relative_path, checksum
