"""The one sanitizer (SPEC §2.3). The only module that imports bleach.

Rich text is cleaned once, on save, against an allowlist; the source is kept
beside it. The allowlist never admits ``svg``, ``math``, ``style``,
``noscript``, raw-text tags or ``style=`` attributes; links get
``rel="nofollow noopener"``; only http(s) and mailto URLs survive.

A URL's scheme is decided as the browser decides it: entities decoded, then a
WHATWG URL parse (ada-url, the parser Node.js uses) against the site's base, so
``javascript:1`` (which bleach's urllib-style parse takes for a host and port),
``JaVaScRiPt:``, ``java&#x09;script:`` and leading controls are all
``javascript:``. Relative URLs (``/path``, ``#anchor``, ``//host``) pass: the
browser resolves them against the page, whose scheme is http or https, and the
parse here resolves them the same way; a URL the parse refuses is dropped.
"""
import html

import bleach
import markdown as md
from ada_url import URL
from bleach.linkifier import LinkifyFilter

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
    return all(url_scheme(url) in ALLOWED_PROTOCOLS for url in {value, html.unescape(value)})


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    return url_is_allowed(value) if name in URL_ATTRIBUTES else True


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


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


_MAX_PASSES = 4


def clean_html(html: str) -> str:
    """Sanitize HTML. Idempotent: ``clean_html(clean_html(x)) == clean_html(x)``.

    One pass can serialize a tree that parses differently (``<a>`` nested in ``<a>``
    after table foster-parenting; the inner one escapes the rel callback). What the
    browser builds from the output is what must be safe, so clean until the output
    re-parses to itself (mXSS defence); if it never settles, keep only the text.
    """
    out = _cleaner.clean(html or "")
    for _ in range(_MAX_PASSES):
        again = _cleaner.clean(out)
        if again == out:
            return out
        out = again
    return bleach.clean(out, tags=set(), strip=True)


def render(source: str, fmt: str = "html") -> str:
    """What an author typed (HTML from the editor, or Markdown) as safe HTML."""
    if fmt == "markdown":
        source = md.markdown(source or "", extensions=["extra", "sane_lists"], output_format="html")
    return clean_html(source)


def clean_text(text: str) -> str:
    """Plain text (comments): escaped, links made clickable, line breaks kept."""
    escaped = bleach.clean(text or "", tags=set(), strip=True)
    paragraphs = [p.replace("\n", "<br>") for p in escaped.strip().split("\n\n") if p.strip()]
    return clean_html("".join(f"<p>{p}</p>" for p in paragraphs))
