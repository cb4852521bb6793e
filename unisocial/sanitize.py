"""The one sanitizer (SPEC §2.3). The only module that imports bleach.

Rich text is cleaned once, on save, against an allowlist; the source is kept
beside it. The allowlist never admits ``svg``, ``math``, ``style``,
``noscript``, raw-text tags or ``style=`` attributes; links get
``rel="nofollow noopener"``; only http(s) and mailto URLs survive. Elements
whose content is code or inert, never text for the reader (``script``,
``style``, ``template``), go with their content, not only their tags.

A URL's scheme is decided as the browser decides it: entities decoded, then a
WHATWG URL parse (ada-url, the parser Node.js uses) against the site's base, so
``javascript:1`` (which bleach's urllib-style parse takes for a host and port),
``JaVaScRiPt:``, ``java&#x09;script:`` and leading controls are all
``javascript:``. Relative URLs (``/path``, ``#anchor``, ``//host``) pass: the
browser resolves them against the page, whose scheme is http or https, and the
parse here resolves them the same way; a URL the parse refuses is dropped.

Input that would exhaust the renderer is a validation error on the ``body``
field, never a 500 or a stalled worker (SPEC §2.3): a size limit on the source
(and on what Markdown expands it to), a nesting-depth limit checked by a linear
scan before bleach's parser (whose list handling is quadratic in depth), and a
Markdown renderer without quadratic paths (markdown-it-py, CommonMark: Python-
Markdown took 10 s for 8 kB of ``[`` and raised RecursionError on 300 nested
list items).
"""
import re
from html import unescape
from html.parser import HTMLParser

import bleach
import bleach.html5lib_shim
from ada_url import URL
from bleach.linkifier import LinkifyFilter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4",
        "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
        "tbody", "td", "th", "thead", "tr", "u", "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan", "scope"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
FORBIDDEN = {"svg", "math", "style", "noscript", "script", "iframe", "textarea", "title", "xmp", "template"}
assert not (ALLOWED_TAGS & FORBIDDEN)
# Attributes whose value a browser follows as a URL (HTML's URL-valued attributes). Whichever of
# them the allowlist admits, on any tag, is checked by ``url_is_allowed``.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "cite", "action", "formaction", "poster", "background", "longdesc", "usemap",
     "data", "codebase", "classid", "manifest", "icon", "ping", "xlink:href", "xml:base"}
)
# Relative URLs are resolved against this: any http(s) origin gives the same scheme decision.
_BASE = "https://unisocial.invalid/"


def url_scheme(url: str) -> str | None:
    """The scheme (lower case, without ':') that a WHATWG URL parse gives ``url`` on a page of this
    site; None when the parse refuses it (a browser follows nothing)."""
    try:
        return URL(url, base=_BASE).protocol.removesuffix(":").lower()
    except ValueError:
        return None


def url_is_allowed(value: str) -> bool:
    """Whether the URL attribute ``value``, as written in HTML, may stay. The browser decodes its
    character references before parsing it (``&#106;avascript:``); the raw reading is checked too,
    so that no spelling passes in either."""
    return all(url_scheme(url) in ALLOWED_PROTOCOLS for url in {value, unescape(value)})


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    return url_is_allowed(value) if name in URL_ATTRIBUTES else True


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


# Dropped with everything inside them: a stripped <script> or <style> would leave its code
# showing as the post's text.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template"})
assert DROPPED_WITH_CONTENT <= FORBIDDEN


class _DropWithContent(bleach.html5lib_shim.Filter):
    """Leaves out the elements of ``DROPPED_WITH_CONTENT`` and all they hold, before bleach's
    sanitizer (which strips a tag but keeps its text) sees the tokens."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind, name = token["type"], (token.get("name") or "").lower()
            if kind == "StartTag" and name in DROPPED_WITH_CONTENT:
                depth += 1
            elif depth:
                # Inside a dropped element, only its own end tags count (raw text holds no tags).
                if kind == "EndTag" and name in DROPPED_WITH_CONTENT:
                    depth -= 1
            else:
                yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[lambda source: LinkifyFilter(source, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)
# Always quote attribute values with '"' (a '"' inside becomes &quot;). With html5lib's
# "best quote" choice a value holding '"' is single-quoted, and bleach's serializer then
# escapes its entities once more on every pass (&lt; -> &amp;lt;): not idempotent.
_cleaner.serializer.use_best_quote_char = False
# bleach's parser turns a tag outside the allowlist into text as it reads it; this one parses the
# dropped elements as elements, so that the filter can leave them out whole. Everything else is
# as bleach builds it, and its sanitizer still strips whatever is not in ALLOWED_TAGS.
_cleaner.parser = bleach.html5lib_shim.BleachHTMLParser(
    tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT, strip=True, consume_entities=False, namespaceHTMLElements=False
)
_walker = _cleaner.walker
_cleaner.walker = lambda dom: _DropWithContent(_walker(dom))


_MAX_PASSES = 4


def clean_html(html: str) -> str:
    """Sanitize HTML. Idempotent: ``clean_html(clean_html(x)) == clean_html(x)``.

    One pass can serialize a tree that parses differently (``<a>`` nested in ``<a>``
    after table foster-parenting; the inner one escapes the rel callback). What the
    browser builds from the output is what must be safe, so clean until the output
    re-parses to itself (mXSS defence); if it never settles, keep only the text.
    """
    out = _cleaner.clean(html or "")
    for _pass in range(_MAX_PASSES):
        again = _cleaner.clean(out)
        if again == out:
            return out
        out = again
    return bleach.clean(out, tags=set(), strip=True)


# --- bounded rendering (SPEC §2.3: huge inputs and deep nesting are validation errors) ---

MAX_SOURCE_CHARS = 100_000  # a post's or wiki page's text as typed (about 50 pages)
MAX_RENDERED_CHARS = 400_000  # what Markdown makes of it (references repeat their URLs)
MAX_TEXT_CHARS = 10_000  # a comment (plain text)
MAX_DEPTH = 32  # elements inside elements: lists, quotes, tables, formatting
# Elements with no content, and those a new sibling closes (HTML's implied end tags), so that
# "<ul><li>a<li>b" is two items deep, not three.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
_CLOSED_BY = {"li": {"li", "p"}, "dt": {"dt", "dd", "p"}, "dd": {"dt", "dd", "p"}, "p": {"p"},
              "tr": {"tr", "td", "th"}, "td": {"td", "th"}, "th": {"td", "th"}, "option": {"option"}}

# CommonMark plus tables and strikethrough. markdown-it parses in linear time (its cost per
# character grows with its nesting limit, so that stays at its default of 20); when a document
# nests blocks up to that limit it stops parsing silently, so such a document is refused rather
# than shown cut short (``_markdown_to_html``).
_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Every link is made a link and its scheme decided in one place, by the sanitizer's WHATWG parse
# (markdown-it's own check would leave a refused link as literal text instead).
_markdown.validateLink = lambda url: True


def _markdown_to_html(source: str) -> str:
    env = {}
    tokens = _markdown.parse(source, env)
    depth = deepest = 0
    for token in tokens:  # the block tokens: lists, items, quotes, paragraphs, tables
        depth += token.nesting
        deepest = max(deepest, depth)
    if deepest >= _markdown.options["maxNesting"]:
        raise _error(_("Lists and quotes are nested too deeply to display: at most %(n)d levels of lists.")
                     % {"n": _markdown.options["maxNesting"] // 2 - 1})
    return _markdown.renderer.render(tokens, _markdown.options, env)


def _error(message):
    return ValidationError({"body": [message]}, code="unrenderable")


class _DepthScanner(HTMLParser):
    """How deeply elements nest in an HTML text, in one linear pass (stdlib parser)."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.open, self.deepest = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        closes = _CLOSED_BY.get(tag, ())
        while self.open and self.open[-1] in closes:
            self.open.pop()
        self.open.append(tag)
        self.deepest = max(self.deepest, len(self.open))

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_startendtag(self, tag, attrs):
        pass

    def parse_marked_section(self, i, report=1):
        # "<![…" outside foreign content is a bogus comment up to the next ">" for a browser (and
        # for html5lib); Python 3.11's parser raises AssertionError on a malformed one instead.
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1


_START_TAG = re.compile(r"<[A-Za-z]")


def nesting_depth(html: str) -> int:
    scanner = _DepthScanner()
    try:
        scanner.feed(html)
        scanner.close()
    except (AssertionError, ValueError):
        # The scanner gave up on some markup: count every start tag as a level (an upper bound),
        # so that no text escapes the limit by confusing the scanner.
        return len(_START_TAG.findall(html))
    return scanner.deepest


def _bounded(html: str) -> str:
    if len(html) > MAX_RENDERED_CHARS:
        raise _error(_("The text is too long once formatted (at most %(n)s characters).")
                     % {"n": f"{MAX_RENDERED_CHARS:,}"})
    if nesting_depth(html) > MAX_DEPTH:
        raise _error(_("The text is nested too deeply: at most %(n)d levels of lists, quotes or other blocks.")
                     % {"n": MAX_DEPTH})
    return html


def render(source: str, fmt: str = "html") -> str:
    """What an author typed (HTML from the editor, or Markdown) as safe HTML.

    Raises ``ValidationError`` (on ``body``) for a text too long or nested too deeply to render
    in bounded time; nothing else is parsed before these checks."""
    source = source or ""
    if len(source) > MAX_SOURCE_CHARS:
        raise _error(_("Keep the text under %(n)s characters.") % {"n": f"{MAX_SOURCE_CHARS:,}"})
    try:
        html = _markdown_to_html(source) if fmt == "markdown" else source
        return clean_html(_bounded(html))
    except RecursionError:  # a backstop: the limits above are meant to keep every parser far from it
        raise _error(_("The text is nested too deeply to display.")) from None


def clean_text(text: str) -> str:
    """Plain text (comments): escaped, links made clickable, line breaks kept.

    Raises ``ValidationError`` (on ``body``) past ``MAX_TEXT_CHARS``."""
    if len(text or "") > MAX_TEXT_CHARS:
        raise _error(_("Keep comments under 10,000 characters."))
    escaped = bleach.clean(text or "", tags=set(), strip=True)
    paragraphs = [p.replace("\n", "<br>") for p in escaped.strip().split("\n\n") if p.strip()]
    return clean_html("".join(f"<p>{p}</p>" for p in paragraphs))
