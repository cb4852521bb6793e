"""The one sanitizer (SPEC §2.3). The only module that imports bleach.

Rich text is cleaned once, on save, against an allowlist; the source is kept
beside it. The allowlist never admits ``svg``, ``math``, ``style``,
``noscript``, raw-text tags or ``style=`` attributes; links get
``rel="nofollow noopener"``; only http(s) and mailto URLs survive.
"""
import bleach
import markdown as md
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


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
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
