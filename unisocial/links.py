"""``reverse()`` of a one-argument route, from one real ``reverse`` per route.

A page of 20 cards links every post, its community and its author: 60 calls of ``reverse``
(~20 µs each: the resolver walks its patterns, checks the candidate, quotes the path). The
route's path does not change between two posts: ``link`` reverses it once with a placeholder,
splits the result around it, and then only joins the parts around the value — the same string
``reverse`` returns (the value quoted as ``reverse`` quotes a path).

The parts are kept per route, script prefix and resolver (``clear_url_caches`` and
``override_settings(ROOT_URLCONF=…)`` make a new resolver, so a changed URLconf is never served
from old parts). A value the route's converter would refuse goes to ``reverse`` itself, which
raises ``NoReverseMatch`` as before.
"""

import re
from urllib.parse import quote

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

# The values each converter accepts (django.urls.converters): int, slug and str.
_ACCEPTS = {
    "int": re.compile(r"[0-9]+"),
    "slug": re.compile(r"[-a-zA-Z0-9_]+"),
    "str": re.compile(r"[^/]+"),
}
_PLACEHOLDER = {"int": 987654321987, "slug": "zzlinkplaceholderzz", "str": "zzlinkplaceholderzz"}
# What reverse() leaves unquoted in a path (django.urls.resolvers: RFC 3986 sub-delims + "/~:@").
_SAFE = "!$&'()*+,;=" + "/~:@"

_parts: dict = {}


def link(viewname: str, kwarg: str, value, converter: str = "int") -> str:
    """``reverse(viewname, kwargs={kwarg: value})`` for a route whose only argument is ``kwarg``."""
    text = str(value)
    if not _ACCEPTS[converter].fullmatch(text):
        return reverse(viewname, kwargs={kwarg: value})
    key = (viewname, kwarg, converter, get_script_prefix(), get_resolver(get_urlconf()))
    parts = _parts.get(key)
    if parts is None:
        placeholder = str(_PLACEHOLDER[converter])
        url = reverse(viewname, kwargs={kwarg: placeholder})
        head, found, tail = url.partition(placeholder)
        if not found or placeholder in tail:
            return reverse(viewname, kwargs={kwarg: value})
        if len(_parts) > 256:  # old resolvers (tests) must not pile up
            _parts.clear()
        parts = _parts[key] = (head, tail)
    return f"{parts[0]}{quote(text, safe=_SAFE)}{parts[1]}"
