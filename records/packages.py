"""Archive packages (SPEC §4): BagIt bags (RFC 8493, version 1.0), zipped.

A package holds one disposed item (or a community and everything in it)::

    <bag>/bagit.txt
    <bag>/bag-info.txt            Bagging-Date, Payload-Oxum, Highest-Classification, Content-Languages, …
    <bag>/manifest-sha256.txt     every payload file
    <bag>/tagmanifest-sha256.txt  bagit.txt, bag-info.txt, manifest-sha256.txt
    <bag>/data/<type>-<id>.json   metadata, body, revisions, comments, attachments
    <bag>/data/<type>-<id>.html   a rendering with the classification marking at top and bottom
                                  (the item's level now, at disposition or export), each revision
                                  marked with the level it was recorded at
    <bag>/data/<type>-<id>-files/<attachment id>-<name>   the attachment files

Each item's JSON carries its ``language`` (SPEC §7: the language it is written in, one of
``settings.LANGUAGES``), as do its comments and revisions; ``Content-Languages`` in
``bag-info.txt`` lists the items' languages (BCP 47 codes, sorted).

``Highest-Classification`` in ``bag-info.txt`` is the highest marking anywhere in the bag: an
item's level, or a revision recorded higher (a declassified item's older revisions keep their
marking, so the bag is handled at their level; the item itself is marked at its new one).

A package of what one person may see (a community export, ``records.exports``) passes
``viewer=``: comments and revisions are then those the access rule shows that person.

Packages go to the private storage alias (SPEC §8: ``STORAGES["private"]``, the local
``PRIVATE_MEDIA_ROOT`` or a bucket shared by every node), disposition packages under
``archive/``, exports under ``exports/``. Each is built in a temporary file of the worker,
one payload file at a time (an attachment is streamed through in chunks, never held whole);
``verify_package`` re-reads that file member by member, in chunks, and checks every checksum;
``store_package`` then uploads it from the file and checks the stored copy's SHA-256, streamed
back from the store, before anything is destroyed. A worker killed while building leaves only
its temporary file; one killed while uploading leaves at most an object no row names, replaced
when the item is packaged again.
"""
import hashlib
import json
import os
import tempfile
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


CHUNK = 1 << 20  # what is read at once: an attachment, a zip member, a stored package


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _user(u):
    return u.username if u is not None else None


def _revisions(history_rows, fields):
    """Each revision as recorded; one with a level of its own carries its label (its marking)."""
    revisions = []
    for h in history_rows:
        revision = {
            "history_id": h.history_id,
            "history_date": h.history_date,
            "history_type": {"+": "created", "~": "changed", "-": "deleted"}.get(h.history_type, h.history_type),
            "history_user": _user(h.history_user),
            "change_reason": h.history_change_reason,
            **{f: getattr(h, f) for f in fields},
        }
        if revision.get("classification"):
            revision["classification_label"] = Level(revision["classification"]).label
        revisions.append(revision)
    return revisions


def _item_history(item, viewer):
    """The item's revisions, oldest first: all of them for a disposition package; for ``viewer``'s
    export those the history page shows them (SPEC §2.3: revisions recorded above the current
    level only for the author and the owners)."""
    history = item.history.select_related("history_user").order_by("history_date", "history_id")
    if viewer is None or item.author_id == viewer.pk or _role(viewer, item.community) == "owner":
        return history
    from unisocial.classification import levels_up_to

    return history.filter(classification__in=levels_up_to(item.classification))


def _role(viewer, community):
    cache = viewer.__dict__.setdefault("_package_roles", {})
    if community.pk not in cache:
        from communities.access import role_in

        cache[community.pk] = role_in(viewer, community)
    return cache[community.pk]


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


ITEM_REVISION_FIELDS = ["title", "body", "body_source", "classification", "status", "language"]


def post_payload(post, viewer=None):
    """(document, files, levels) for a post: its metadata, body, revisions, comments and attachments.

    ``levels``: the post's level and those its revisions were recorded at (the bag's highest level
    is read from them); the document is marked with the post's level as it is now."""
    from posts.models import Comment

    revisions = _revisions(_item_history(post, viewer), ITEM_REVISION_FIELDS)
    comments = Comment.objects.filter(post_id=post.pk)
    if viewer is not None:
        comments = comments.visible_to(viewer)
    comments = list(comments.select_related("author").order_by("created_at", "id"))
    comment_history = defaultdict(list)
    rows = Comment.history.model.objects.filter(post_id=post.pk).select_related("history_user")
    if viewer is not None:
        rows = rows.filter(id__in=[c.pk for c in comments])
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
        "language": post.language,
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
                "language": c.language,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
                "body": c.body,
                "body_source": c.body_source,
                "revisions": _revisions(comment_history.get(c.pk, []), ["body", "body_source", "status", "language"]),
            }
            for c in comments
        ],
        "attachments": attachments,
    }
    levels = {post.classification, *(r["classification"] for r in revisions)}
    return document, files, levels


def wiki_payload(page, viewer=None):
    revisions = _revisions(_item_history(page, viewer), ITEM_REVISION_FIELDS)
    attachments, files = _attachments(page, f"wiki-{page.pk}")
    document = {
        "type": "wiki",
        "id": page.pk,
        "slug": page.slug,
        "community": {"id": page.community_id, "slug": page.community.slug, "name": page.community.name},
        "classification": page.classification,
        "classification_label": Level(page.classification).label,
        "status": page.status,
        "language": page.language,
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


def _html(document) -> str:
    """The rendering, marked with the document's own level (not its revisions'), at top and bottom."""
    level = Level(document["classification"])
    return render_to_string(
        "records/package_item.html",
        {"doc": document, "marking": level.label.upper(), "level_label": level.label},
    )


class BagWriter:
    """Writes a zipped bag to a binary file object, one payload file at a time (an attachment is
    read once, never the whole bag held in memory); the tag files go last, once every checksum is
    known (RFC 8493 sets no order inside the zip)."""

    def __init__(self, fileobj, *, bag_name):
        self.bag_name = bag_name
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED)
        self.manifest: list[tuple[str, str]] = []
        self.octets = 0
        self.levels: set[str] = set()
        self.languages: set[str] = set()

    def _write(self, name, data: bytes):
        info = zipfile.ZipInfo(f"{self.bag_name}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)

    def add(self, name, data: bytes):
        self._write(name, data)
        self.manifest.append((_sha256(data), name))
        self.octets += len(data)

    def add_document(self, document, levels):
        self.levels |= {document["classification"], *levels}
        if document.get("language"):
            self.languages.add(document["language"])
        stem = f"data/{document['type']}-{document['id']}"
        self.add(f"{stem}.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode())
        self.add(f"{stem}.html", _html(document).encode())

    def add_files(self, files):
        """Each attachment streamed from the private storage into the zip, hashed on the way."""
        from posts.models.attachment import private_storage

        for arcname, storage_name, expected in files:
            info = zipfile.ZipInfo(f"{self.bag_name}/{arcname}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            digest, octets = hashlib.sha256(), 0
            with private_storage.open(storage_name, "rb") as fh:
                size = getattr(fh, "size", None)
                # The size up front lets zipfile choose ZIP64 for a large file, as writestr did.
                info.file_size = size if isinstance(size, int) else 0
                with self.zip.open(info, "w", force_zip64=not isinstance(size, int)) as member:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
                        member.write(chunk)
                        octets += len(chunk)
            if expected and digest.hexdigest() != expected:
                raise PackageError(f"{storage_name}: the stored file does not match its recorded checksum")
            self.manifest.append((digest.hexdigest(), arcname))
            self.octets += octets

    def close(self, *, external_id) -> str:
        """Write the tag files and close the zip; returns the bag's highest level."""
        level = highest(self.levels)
        manifest = "".join(f"{digest}  {name}\n" for digest, name in self.manifest)
        bag_info = (
            "Source-Organization: unisocial\n"
            f"Bagging-Date: {timezone.localdate().isoformat()}\n"
            f"Payload-Oxum: {self.octets}.{len(self.manifest)}\n"
            f"Highest-Classification: {Level(level).label}\n"
            + (f"Content-Languages: {', '.join(sorted(self.languages))}\n" if self.languages else "")
            + f"External-Identifier: {external_id}\n"
            "Bag-Software-Agent: unisocial records (RFC 8493)\n"
        )
        tags = [("bagit.txt", BAGIT_TXT.encode()), ("bag-info.txt", bag_info.encode()),
                ("manifest-sha256.txt", manifest.encode())]
        tagmanifest = "".join(f"{_sha256(data)}  {name}\n" for name, data in tags)
        for name, data in [*tags, ("tagmanifest-sha256.txt", tagmanifest.encode())]:
            self._write(name, data)
        self.zip.close()
        return level

    def abort(self):
        """Close the zip after a failure (the caller discards what was written)."""
        try:
            self.zip.close()
        except (OSError, ValueError):
            pass


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


def _stream_sha256(fh) -> tuple[str, int]:
    digest, octets = hashlib.sha256(), 0
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
        octets += len(chunk)
    return digest.hexdigest(), octets


def file_sha256(path) -> str:
    with open(path, "rb") as fh:
        return _stream_sha256(fh)[0]


def stored_sha256(name) -> str:
    """The SHA-256 of a file in the private storage, streamed from it (never read whole)."""
    from posts.models.attachment import private_storage

    with private_storage.open(name, "rb") as fh:
        return _stream_sha256(fh)[0]


def verify_package(path, expected_checksum: str | None = None) -> str:
    """Re-read a zipped bag and check every checksum (payload, tag files, Payload-Oxum, the zip itself).

    Returns the zip's SHA-256; raises ``PackageError`` on any mismatch. Reads one member at a time.
    """
    path = Path(path)
    checksum = file_sha256(path)
    if expected_checksum and checksum != expected_checksum:
        raise PackageError(f"{path.name}: the package's checksum changed after it was written")
    with zipfile.ZipFile(path) as bag:
        if bag.testzip() is not None:
            raise PackageError(f"{path.name}: corrupt zip member")
        names = bag.namelist()
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            raise PackageError(f"{path.name}: a bag has exactly one top directory")
        root = roots.pop()
        members = {n[len(root) + 1:]: n for n in names if not n.endswith("/")}

        def read(name):  # a tag file (small)
            if name not in members:
                raise PackageError(f"{path.name}: {name} is missing")
            return bag.read(members[name])

        def digest_of(name) -> tuple[str, int]:  # a payload file, streamed out of the zip
            with bag.open(members[name]) as member:
                return _stream_sha256(member)

        if read("bagit.txt").decode() != BAGIT_TXT:
            raise PackageError(f"{path.name}: bagit.txt is not a BagIt 1.0 declaration")
        manifest = _parse_manifest(read("manifest-sha256.txt").decode(), "manifest-sha256.txt")
        payload = {n for n in members if n.startswith("data/")}
        if set(manifest) != payload:
            raise PackageError(f"{path.name}: the manifest and the payload differ")
        octets = 0
        for name, digest in manifest.items():
            actual, size = digest_of(name)
            octets += size
            if actual != digest:
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


def item_payload(obj, viewer=None):
    """(document, files, levels) of a post or a wiki page."""
    from posts.models import Post

    return (post_payload if isinstance(obj, Post) else wiki_payload)(obj, viewer)


def write_bag(fileobj, objs, *, bag_name, external_id, viewer=None, progress=None) -> tuple[str, list[dict]]:
    """Write the bag of ``objs`` (posts, wiki pages, optionally a community first) to ``fileobj``.

    ``viewer``: whose view of comments and revisions (an export); ``progress(done, total)`` is
    called after each item. Returns the bag's highest level and the items it holds
    (``type``, ``id``, ``classification``, ``community_id``, ``escalated``), for the caller's records."""
    from communities.models import Community

    community = next((o for o in objs if isinstance(o, Community)), None)
    items = [o for o in objs if not isinstance(o, Community)]
    writer = BagWriter(fileobj, bag_name=bag_name)
    contents, all_levels = [], set()
    total = len(items)
    try:
        for done, obj in enumerate(items, start=1):
            document, item_files, levels = item_payload(obj, viewer)
            writer.add_document(document, levels)
            writer.add_files(item_files)
            all_levels |= {document["classification"], *levels}
            contents.append({"type": document["type"], "id": document["id"],
                             "classification": document["classification"], "language": document["language"],
                             "community_id": obj.community_id,
                             "escalated": bool(getattr(obj, "escalated_at", None))})
            if progress is not None:
                progress(done, total)
        if community is not None:
            document = community_document(community, contents)
            writer.add_document(document, {community.ceiling, *all_levels})
        return writer.close(external_id=external_id), contents
    except BaseException:
        writer.abort()
        raise


def store_package(fileobj, name, checksum, *, replace=False) -> str:
    """Upload a built and verified package from its (temporary) file to the private storage as
    ``name``; return the name it is stored under. The stored copy's SHA-256 is streamed back and
    compared with ``checksum`` (what was verified): on a mismatch it is deleted and
    ``PackageError`` raised. ``replace``: a package of that name (left by a worker killed before
    it recorded it) is deleted first, so the name stays the one asked for."""
    from django.core.files import File

    from posts.models.attachment import private_storage

    if replace and private_storage.exists(name):
        private_storage.delete(name)
    fileobj.seek(0)
    saved = private_storage.save(name, File(fileobj, name=os.path.basename(name)))
    try:
        stored = stored_sha256(saved)
    except BaseException:
        private_storage.delete(saved)
        raise
    if stored != checksum:
        private_storage.delete(saved)
        raise PackageError(f"{saved}: the stored package does not match the package written")
    return saved


def package_items(objs, *, relative_path: str, external_id: str) -> tuple[str, str]:
    """Build, verify and store the package of ``objs`` (posts, wiki pages, optionally a community first).

    Returns ``(name, sha256)``: the package's name in the private storage (``relative_path``) and
    its checksum. Built in a temporary file, verified there by streaming, uploaded from it.
    """
    with tempfile.NamedTemporaryFile(prefix="package-", suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        write_bag(tmp, objs, bag_name=Path(relative_path).stem, external_id=external_id)
        tmp.flush()
        checksum = verify_package(tmp.name)
        name = store_package(tmp, relative_path, checksum, replace=True)
    return name, checksum
