"""The rich-text editor's committed assets (SPEC §2.3): the bundle is built from the sources and
lock file in the repository, and the editor's schema writes nothing the sanitizer would strip.

No Node is needed here: static/js/src/build.mjs writes a sha256 of static/js/src/*.js(m) and
package-lock.json into the bundle's first line and into static/js/editor-schema.json; this test
recomputes it the same way."""

import hashlib
import json
import re
from pathlib import Path

from unisocial.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "static/js/src"
BUNDLE = ROOT / "static/js/editor.bundle.js"
SCHEMA = ROOT / "static/js/editor-schema.json"
REBUILD = "The committed editor bundle is older than its sources or package-lock.json: run `make assets`."

# In the allowlist, never written by the editor: they stay for Markdown and API bodies. The
# editor reads b, i and del as bold, italic and strike (and a header row's th in tbody, not thead).
NOT_WRITTEN_BY_EDITOR = {"abbr", "b", "del", "i", "sub", "sup", "thead"}
NOT_WRITTEN_ATTRIBUTES = {("abbr", "title"), ("th", "scope")}


def sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in SRC.iterdir() if re.search(r"\.m?js$", p.name)):
        digest.update(f"static/js/src/{path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(b"package-lock.json\0")
    digest.update((ROOT / "package-lock.json").read_bytes())
    return digest.hexdigest()


def test_bundle_is_built_from_the_committed_sources_and_lock():
    first_line = BUNDLE.read_text(encoding="utf-8").split("\n", 1)[0]
    found = re.search(r"sources-sha256=([0-9a-f]{64})", first_line)
    assert found, "The bundle has no sources-sha256 header: build it with `make assets`."
    assert found.group(1) == sources_digest(), REBUILD
    assert json.loads(SCHEMA.read_text())["sources-sha256"] == sources_digest(), REBUILD


def test_bundle_is_minified_and_loads_nothing_from_elsewhere():
    text = BUNDLE.read_text(encoding="utf-8")
    assert len(text) / (text.count("\n") + 1) > 1000  # minified: long lines
    assert "cdn." not in text and "unpkg" not in text and "jsdelivr" not in text


def test_package_versions_are_pinned_exactly():
    package = json.loads((ROOT / "package.json").read_text())
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned to one version: {version}"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in package["devDependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_editor_schema_mirrors_the_sanitizer_allowlist():
    written = json.loads(SCHEMA.read_text())["tags"]
    assert set(written) == ALLOWED_TAGS - NOT_WRITTEN_BY_EDITOR
    for tag, attributes in written.items():
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, ()))
        unused = {name for t, name in NOT_WRITTEN_ATTRIBUTES if t == tag}
        assert set(attributes) == allowed - unused, tag
    assert NOT_WRITTEN_BY_EDITOR <= ALLOWED_TAGS


def test_editor_injects_no_css():
    main = (SRC / "main.js").read_text()
    assert "injectCSS: false" in main
    assert (ROOT / "static/css/editor.css").exists()
