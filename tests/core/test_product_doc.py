"""The project carries its own rules: every "§N" the repository cites resolves in docs/product.md.

The code, templates, tests and documents cite the product's rules as "§2.2" or "SPEC §2.2"; both mean
the section of docs/product.md numbered 2.2. The organisation's guidelines are cited as
"guidelines §5.7" and resolve to a "Guidelines §5.7" heading in that file's sources. A citation of
anything else ("STYLE §1", an issue's item) cannot be read from the repository and fails, as does
a reference to a numbered issue: comments say what they mean.
"""
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "docs" / "product.md"
SUFFIXES = {".py", ".html", ".md", ".txt", ".toml", ".js", ".css", ".yml", ".yaml"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "var", "staticfiles", "vendor",
             ".pytest_cache", ".hypothesis", ".ruff_cache", "build"}
# Third-party text kept with its licence (DOMPurify's test vectors): not ours to number; and this
# file, whose examples cite what must not resolve.
SKIP_FILES = {Path("tests/security/vectors/dompurify.json"), Path(__file__).resolve().relative_to(ROOT)}

NUMBER = r"\d+(?:\.\d+)*"
# One citation: "§2.2", "§ 2.2", or a range "§2.2–2.4" (both ends must resolve).
CITATION = re.compile(rf"§ ?({NUMBER})(?:\s*[–-]\s*({NUMBER}))?")
# What may stand between two citations of one list: "§2.1, §2.2", "§2.1/§2.2", "§2.2 and §3", "§3 with §4",
# also across a line break inside a comment ("§5.10,\n    # §5.2").
LINK = re.compile(r"^[\s,;/#*]*(?:and|or|with)?[\s,;/#*]*$")
# What a citation's source is, read just before it (after "SPEC", nothing, or one of these words).
SOURCE = re.compile(r"(guidelines'?|STYLE|issues? #?\d+(?:\s+items?)?)\s*$", re.IGNORECASE)
ISSUE_REFERENCE = re.compile(r"\bissues? #?\d+", re.IGNORECASE)


def _repository_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            path = Path(folder, name)
            rel = path.relative_to(ROOT)
            if path.suffix in SUFFIXES and rel not in SKIP_FILES and ".min." not in name:
                yield rel, path.read_text(encoding="utf-8", errors="replace")


def citations(text, *, where=False):
    """``(source, number)`` for every § citation in ``text``: source is "product", "guidelines" or
    the foreign word it follows ("STYLE", "issue 5"). A citation continuing a list ("§5.10, §5.2"),
    on the same line or the next, takes the source of the list's first one. With ``where``, each
    tuple ends with the citation's offset in ``text``."""
    found, source, end = [], "product", None
    for match in CITATION.finditer(text):
        before = text[end:match.start()] if end is not None else ""
        if end is None or not LINK.match(before):
            word = SOURCE.search(text[max(0, match.start() - 40):match.start()])
            if word is None:
                source = "product"
            elif word.group(1).lower().startswith("guidelines"):
                source = "guidelines"
            else:
                source = word.group(1)
        found.extend((source, number, match.start()) if where else (source, number)
                     for number in match.groups() if number)
        end = match.end()
    return found


def headings():
    """The numbers of docs/product.md's sections ("## 2.", "### 2.1 …") and of its guidelines' headings."""
    product, guidelines = set(), set()
    for line in PRODUCT.read_text(encoding="utf-8").splitlines():
        if m := re.match(rf"#{{2,4}}\s+({NUMBER})\.?\s", line):
            product.add(m.group(1))
        elif m := re.match(rf"#{{2,4}}\s+Guidelines §({NUMBER})\b", line):
            guidelines.add(m.group(1))
    return {"product": product, "guidelines": guidelines}


def test_the_citation_reader_tells_sources_apart():
    assert citations("SPEC §2.1, §5.4 and §2.2–2.4") == [
        ("product", "2.1"), ("product", "5.4"), ("product", "2.2"), ("product", "2.4")]
    assert citations("(SPEC §3, guidelines §5.7); the guidelines' §4.1 a–g (SPEC §5)") == [
        ("product", "3"), ("guidelines", "5.7"), ("guidelines", "4.1"), ("product", "5")]
    assert citations("disclaimer (guidelines §5.10, §5.2), shown on §2.1/§2.2") == [
        ("guidelines", "5.10"), ("guidelines", "5.2"), ("product", "2.1"), ("product", "2.2")]
    assert citations("STYLE §1; Issue 5 §7") == [("STYLE", "1"), ("Issue 5", "7")]
    assert citations("its ceiling (guidelines §5.10,\n    # §5.2); see §2.2") == [
        ("guidelines", "5.10"), ("guidelines", "5.2"), ("product", "2.2")]


def test_docs_product_md_numbers_its_sections_and_the_guidelines_it_cites():
    numbers = headings()
    assert {"1", "2", "2.1", "2.2", "2.3", "2.4", "2.5", "3", "4", "5", "6", "7", "8"} <= numbers["product"]
    assert numbers["guidelines"] >= {"4.1", "5.4", "5.7"}


def test_every_section_citation_in_the_repository_resolves_in_docs_product_md():
    numbers = headings()
    unresolved, seen = [], 0
    for rel, text in _repository_files():
        for source, number, offset in citations(text, where=True):
            seen += 1
            if number not in numbers.get(source, ()):
                lineno = text.count("\n", 0, offset) + 1
                where = "docs/product.md" if source in numbers else f"the repository ({source})"
                unresolved.append(f"{rel}:{lineno}: §{number} ({source}) has no heading in {where}")
    assert seen > 100  # the reader found the citations (the code cites the rules a few hundred times)
    assert not unresolved, "\n".join(unresolved)


def test_no_file_refers_to_a_numbered_issue():
    """Issues live outside the repository: a comment says what it means, not where it was asked."""
    found = [
        f"{rel}:{lineno}: {line.strip()[:100]}"
        for rel, text in _repository_files()
        for lineno, line in enumerate(text.splitlines(), 1)
        if ISSUE_REFERENCE.search(line)
    ]
    assert not found, "\n".join(found)
