"""Excerpts: the opening of a rich-text body as plain text, for feed cards (SPEC §2.5).

Bodies are stored sanitized (``unisocial.sanitize``, once, on save), so what is cut here is
already safe HTML: the tags are dropped, the entities decoded and the whitespace folded, and
the result is plain text that templates escape like any other string. A list reads only
the first ``SOURCE_CHARS`` characters of each body (``posts.selectors.with_excerpt``), never
the whole of a long body.
"""

import html
import re

# Enough HTML for an excerpt of ``LENGTH`` characters of text, markup included.
SOURCE_CHARS = 1500
LENGTH = 240

# A block ends a line of text (a space in the excerpt); an inline tag ends nothing.
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain_excerpt(body_html: str, length: int = LENGTH) -> str:
    """The text of ``body_html`` (sanitized HTML, possibly cut short), at most ``length``
    characters, ending with "…" when cut."""
    source = body_html or ""
    sliced = len(source) >= SOURCE_CHARS  # the list read only the opening of a longer body
    if source.rfind("<") > source.rfind(">"):  # a tag cut in half at the end of the slice
        source = source[: source.rfind("<")]
    text = _SPACE.sub(" ", html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", source)))).strip()
    if len(text) <= length:
        return text + "…" if sliced and text else text
    cut = text[: length - 1]
    # End at a word when one ends near the limit; an unbroken word is cut where it is.
    space = cut.rfind(" ")
    if space > length * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"
