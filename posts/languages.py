"""The language of what staff write, and the text its search document is built from (SPEC §7).

Every post, wiki page and comment records a language (one of ``settings.LANGUAGES``). The stored
search document (a generated column, migration posts/0017) parses the text with that language's
PostgreSQL configuration — English, French, Russian, Spanish and Arabic are built into
PostgreSQL — and *also* with ``simple`` (the words as written, lower-cased), so that a query
parsed in the searcher's language or in ``simple`` finds it: stems within a language, names and
words as written across languages (docs/performance.md "Search per language").

Chinese is written without spaces, which no built-in parser splits: text holding CJK characters
is segmented here with jieba at save time (search-engine mode, which also emits the shorter words
inside a long one: 可持续发展 → 可 持续 发展) into the item's ``segmented`` column, and the
generated column reads that text instead of the raw title and body. A query holding CJK
characters is segmented the same way (``search_query``). jieba's dictionary is loaded lazily, once
per process, on the first Chinese text.
"""
from __future__ import annotations

import html
import re
import threading

from django.conf import settings

# The PostgreSQL text search configuration of each language; any other: ``simple``. The same
# mapping is frozen in the SQL of migration posts/0017 (a generated column cannot call Python).
CONFIGS = {
    "en": "english",
    "fr": "french",
    "ru": "russian",
    "es": "spanish",
    "ar": "arabic",
}
SIMPLE = "simple"

# CJK unified ideographs (and extension A, compatibility ideographs), kana and hangul: the scripts
# written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")

ATTACHED = "-\""  # websearch operators that bind to the word after them
_jieba = None
_jieba_lock = threading.Lock()


def site_language(language: str | None) -> str:
    """``language`` as one of ``settings.LANGUAGES``' codes when it is one or a variant of one
    ("fr-ca" → "fr", "zh-cn" → "zh-hans"), else as given."""
    code = (language or "").lower()
    codes = [c for c, _name in settings.LANGUAGES]
    if code in codes:
        return code
    primary = code.split("-")[0]
    return next((c for c in codes if c.split("-")[0] == primary), code)


def config_for(language: str | None) -> str:
    """The PostgreSQL configuration for ``language`` (``zh-hans`` and unknown ones: simple)."""
    return CONFIGS.get(site_language(language), SIMPLE)


def default_language(author) -> str:
    """An item's language when none is chosen: its author's, else the site's."""
    chosen = getattr(author, "language", "") if author is not None else ""
    return chosen or settings.LANGUAGE_CODE


def has_cjk(text: str | None) -> bool:
    return bool(text) and _CJK.search(text) is not None


def _segmenter():
    """jieba, its dictionary loaded on first use and once per process."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _words(text: str, *, for_search: bool) -> str:
    jieba = _segmenter()
    cut = jieba.cut_for_search if for_search else jieba.cut
    return _SPACE.sub(" ", " ".join(w for w in cut(text) if w.strip())).strip()


def plain(body_html: str | None) -> str:
    """A stored (sanitized HTML) body as text: tags out, entities back to characters."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", body_html or ""))).strip()


def segmented(title: str | None, body_html: str | None) -> str:
    """The ``segmented`` column: "" unless the title or body holds CJK characters; then the title's
    words, a newline, the body's words (the generated column splits on that newline)."""
    body = plain(body_html)
    if not (has_cjk(title) or has_cjk(body)):
        return ""
    title_words = _words(_SPACE.sub(" ", title or ""), for_search=True)
    return f"{title_words}\n{_words(body, for_search=True)}"


def search_query(q: str) -> str:
    """The query as the document was built: each run of CJK characters cut into its words
    (precise mode; the document holds the search-mode words, a superset), the rest untouched."""
    if not has_cjk(q):
        return q
    def cut(match):
        words = _words(match.group(0), for_search=False)
        before = q[match.start() - 1] if match.start() else " "
        # A leading "-" (exclude) or '"' (phrase) stays attached to the first word.
        return ("" if before in ATTACHED else " ") + words + " "

    return _SPACE.sub(" ", _CJK.sub(cut, q)).strip()


def query_words(q: str) -> list[str]:
    """The words of a CJK query for marking a snippet (excerpt), longest first."""
    words = {w for w in search_query(q).replace('"', " ").split() if w and w.lower() != "or"}
    return sorted((w.lstrip("-") for w in words if w.lstrip("-")), key=len, reverse=True)
