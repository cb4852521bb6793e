"""SPEC §2.3: rich text is sanitized server-side against an allowlist.

No script, event attribute, ``style=`` or ``javascript:`` URL survives; the
allowlist never admits svg, math, style, noscript or raw-text tags; links get
``rel="nofollow noopener"``; cleaning is idempotent. The vectors come from the
OWASP XSS filter evasion cheat sheet and the known bleach/DOMPurify mutation
(mXSS) bypasses; every one is checked through both input formats.
"""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from unisocial.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_html, clean_text, render, url_scheme

FORBIDDEN_TAGS = {
    "svg",
    "math",
    "style",
    "noscript",
    "script",
    "iframe",
    "object",
    "embed",
    "img",
    "form",
    "input",
    "meta",
    "base",
    "link",
    "body",
    "details",
    "textarea",
    "title",
    "xmp",
    "template",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "background",
    "xlink:href",
    "data",
    "poster",
}

XSS_VECTORS = [
    # script tags in case variants, split and nested
    "<script>alert('XSS')</script>",
    "<SCRIPT>alert('XSS')</SCRIPT>",
    "<ScRiPt SRC=http://xss.rocks/xss.js></sCrIpT>",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<<script>script>alert(1)<</script>/script>",
    "<script src=http://xss.rocks/xss.js?< B >",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    # images and event handlers
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<img src=x onerror=alert(1)",  # unclosed
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    # javascript: hidden by whitespace, control characters and entities
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;">x</a>',  # noqa: E501
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',  # noqa: E501
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<a href=\"vbscript:msgbox('XSS')\">x</a>",
    '<a href="livescript:alert(1)">x</a>',
    '<a href="http://example.org" onclick="alert(1)" onmouseover=alert(2)>x</a>',
    '<a href="http://example.org" style="background:url(javascript:alert(1))">x</a>',
    # svg, math and friends
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 onerror=alert(1)&gt;">',  # noqa: E501
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    # document-level and embedding tags
    "<body onload=alert('XSS')>",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object type="text/x-scriptlet" data="http://xss.rocks/scriptlet.html"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
    "<style>@import 'http://xss.rocks/xss.css';</style>",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<div style=\"background:url(javascript:alert('XSS'))\">x</div>",
    "<p style=\"width: expression(alert('XSS'));\">x</p>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD4=">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    '<xss onmouseover="alert(1)" style="display:block">hover</xss>',
    '<table background="javascript:alert(1)"><td onmouseover=alert(1)>x</td></table>',
    "<textarea><script>alert(1)</script></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="http://example.org"<script>alert(1)</script>>x</a>',
    '<abbr title="" onmouseover=alert(1)>x</abbr>',
    "<p><b><i>unclosed <a href=javascript:alert(1)>x",
    # Markdown
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](javascript:alert(1))",
    '![x](x "onerror=alert(1)")',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "# Title\n\n<script>alert(1)</script>\n\n*emphasis* and `code`",
    "```\n<script>alert(1)</script>\n```",
    '[a](http://example.org "title" onclick=alert(1))',
]
assert len(XSS_VECTORS) >= 25


class _Inspector(HTMLParser):
    """Collects the start tags and attributes a browser would build from the output."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(html):
    parser = _Inspector()
    parser.feed(html)
    parser.close()
    return parser.elements


def scheme(url):
    """The URL scheme as a browser reads it (the WHATWG URL standard's basic parser, written here
    independently of the sanitizer's parser): leading and trailing C0 controls and spaces are
    stripped, ASCII tab and newline removed anywhere, then an ASCII letter followed by letters,
    digits, '+', '-' or '.' up to ':' is the scheme, in any case. None: a relative URL."""
    url = url.strip("".join(chr(c) for c in range(0x21)))
    url = re.sub("[\t\n\r]", "", url)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return match.group(1).lower() if match else None


def assert_safe(html):
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, f"element <{tag}> outside the allowlist in {html!r}"
        assert tag not in FORBIDDEN_TAGS, f"forbidden <{tag}> in {html!r}"
        allowed_attrs = set(ALLOWED_ATTRIBUTES.get(tag, ()))
        for name, value in attrs:
            assert not name.startswith("on"), f"event attribute {name} in {html!r}"
            assert name != "style", f"style attribute in {html!r}"
            assert name in allowed_attrs, f"attribute {name} on <{tag}> in {html!r}"
            if name in URL_ATTRIBUTES and value is not None:
                found = scheme(value)
                assert found is None or found in SAFE_SCHEMES, f"{found}: URL in {html!r}"
        if tag == "a":
            assert dict(attrs).get("rel") == "nofollow noopener", f"link without rel in {html!r}"


@pytest.mark.parametrize("fmt", ["html", "markdown"])
@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_script_event_attribute_style_or_unsafe_url_survives(vector, fmt):
    html = render(vector, fmt)
    assert_safe(html)
    # Whatever is left over is text; text is escaped, so cleaning it again changes nothing.
    assert clean_html(html) == html


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_plain_text_comments_keep_no_markup(vector):
    html = clean_text(vector)
    assert {tag for tag, _ in elements(html)} <= {"p", "br", "a"}
    assert_safe(html)


def test_the_allowlist_never_admits_svg_math_style_noscript_or_raw_text_tags():
    assert not ALLOWED_TAGS & {
        "svg",
        "math",
        "style",
        "noscript",
        "script",
        "iframe",
        "textarea",
        "title",
        "xmp",
        "template",
        "noembed",
        "noframes",
        "plaintext",
    }
    assert all("style" not in attrs for attrs in ALLOWED_ATTRIBUTES.values())


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_links_get_rel_nofollow_noopener(fmt):
    source = (
        '<a href="https://example.org" rel="opener">site</a>'
        if fmt == "html"
        else "[site](https://example.org)"
    )
    [(tag, attrs)] = elements(render(source, fmt).removeprefix("<p>").removesuffix("</p>"))
    assert tag == "a"
    assert dict(attrs) == {"href": "https://example.org", "rel": "nofollow noopener"}


def test_bare_urls_become_links_with_rel_nofollow_noopener():
    html = render("see www.example.org today", "html")
    [(tag, attrs)] = elements(html)
    assert tag == "a" and dict(attrs)["rel"] == "nofollow noopener"
    assert scheme(dict(attrs)["href"]) == "http"


def test_safe_links_and_formatting_survive():
    html = render(
        "**bold** and [mail](mailto:a@example.org) and [web](http://example.org/a?b=1)", "markdown"
    )
    assert "<strong>bold</strong>" in html
    hrefs = [dict(attrs)["href"] for tag, attrs in elements(html) if tag == "a"]
    assert hrefs == ["mailto:a@example.org", "http://example.org/a?b=1"]


TAG_FRAGMENTS = [
    "<a href='",
    '<a href="http://x.org">',
    "</a>",
    "<b>",
    "</b>",
    "<p>",
    "</p>",
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<style>",
    "</style>",
    "<math>",
    "<mglyph>",
    "<noscript>",
    "</noscript>",
    "<!--",
    "-->",
    "<table>",
    "<td>",
    "<tr>",
    "<pre>",
    "</pre>",
    "<code>",
    "www.example.org",
    "http://x.org/",
    "mailto:a@b.org",
    "&amp;",
    "&lt;",
    "&gt;",
    "&#106;",
    "&",
    "<",
    ">",
    '"',
    "'",
    "=",
    " ",
    "\n",
    "javascript:",
    "<br>",
    '<abbr title="t">',
    "<ul><li>",
    "<h2>",
    "<![CDATA[",
    "<!DOCTYPE html>",
    "<?xml ?>",
    "&nbsp;",
]
html_ish = st.lists(
    st.one_of(st.sampled_from(TAG_FRAGMENTS), st.text(max_size=8)), max_size=25
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=html_ish)
# Found by this test: a value holding '"' was single-quoted and its entities were
# escaped again on every pass.
@example(source="<a href='<a href=\"http://x.org\">'>x</a>")
@example(source="<a title='a\"b&lt;c'>x</a>")
# ... and an <a> foster-parented into another <a> kept no rel and re-parsed differently.
@example(source='<a href="http://x.org"><table><a href="http://x.org">')
def test_cleaning_is_idempotent_and_safe(source):
    once = clean_html(source)
    assert clean_html(once) == once
    assert_safe(once)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=html_ish)
def test_markdown_output_is_safe(source):
    assert_safe(render(source, "markdown"))


# --- URL schemes (SPEC §2.3): decided by a WHATWG-conformant parse, only http, https, mailto ---

UNSAFE_URLS = [
    "javascript:123",  # bleach's urllib-style parse took "javascript" for a host and 123 for a port
    "javascript:1",
    "javascript:alert(1)",
    "JaVaScRiPt:1",
    "JAVASCRIPT:alert(1)",
    "java&#x09;script:alert(1)",
    "java&#9;script:alert(1)",
    "jav&Tab;ascript:alert(1)",
    "&#106;avascript:1",
    "&#x6A;avascript:1",
    "&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)",
    "javascript&colon;alert(1)",
    "javascript&#58;1",
    "\x01\x02\x1fjavascript:1",
    " \x0b javascript:1",
    "javascript:1 \x1f",
    "javascript\n:1",
    "java\nscript:1",
    "java\r\nscript:1",
    "javascript&NewLine;:1",
    "\tjavascript:1",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DaTa:text/html,x",
    "vbscript:msgbox(1)",
    "VBScript:1",
    "livescript:1",
    "file:///etc/passwd",
    "ftp://example.org/",
    "blob:https://example.org/1",
    "tel:+41227000000",
    "http://",  # the WHATWG parse refuses it: nothing to follow, dropped
]
SAFE_URLS = {
    "https://example.org/a?b=1&amp;c=2": "https",
    "http://example.org": "http",
    "HTTPS://EXAMPLE.ORG": "https",
    "mailto:someone@example.org": "mailto",
    "/c/audit/": None,  # relative: resolved against the page (http or https)
    "#section": None,
    "?page=2": None,
    "notes/2026": None,
    "//example.org/x": None,  # scheme-relative: the page's scheme, so https on the site
}


def hrefs(html):
    return [dict(attrs).get("href") for tag, attrs in elements(html) if tag == "a"]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_link_with_a_scheme_other_than_http_https_mailto_loses_its_href(url):
    html = render(f'<a href="{url}">x</a>', "html")
    assert hrefs(html) == [None], html
    assert_safe(html)


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_markdown_link_with_an_unsafe_scheme_keeps_no_href(url):
    for source in (f"[x]({url})", f"[x][r]\n\n[r]: {url}", f"<{url}>"):
        html = render(source, "markdown")
        assert all(href is None or scheme(href) in SAFE_SCHEMES | {None} for href in hrefs(html)), html
        assert_safe(html)


@pytest.mark.parametrize("url", ["javascript:123", "JaVaScRiPt:1", "data:text/html,x", "vbscript:1"])
def test_url_attributes_are_checked_on_every_allowed_tag(url, monkeypatch):
    # Today only <a href> is a URL attribute the allowlist admits; if another is added (an image's
    # src, a quotation's cite) it is checked by the same parse, not only href.
    from unisocial import sanitize

    monkeypatch.setitem(sanitize.ALLOWED_ATTRIBUTES, "blockquote", ["cite"])
    assert 'cite="' not in sanitize.render(f'<blockquote cite="{url}">q</blockquote>')
    assert 'cite="https://example.org/"' in sanitize.render('<blockquote cite="https://example.org/">q</blockquote>')


@pytest.mark.parametrize(("url", "expected"), SAFE_URLS.items())
def test_http_https_mailto_and_relative_links_are_kept(url, expected):
    html = render(f'<a href="{url}">x</a>', "html")
    [href] = hrefs(html)
    assert href is not None and scheme(href) == expected
    assert url_scheme(href) in SAFE_SCHEMES  # relative ones resolve to the page's scheme


@pytest.mark.parametrize("url", ["javascript:123", "java\tscript:1", " \x01JavaScript:1", "javascript\n:1"])
def test_url_scheme_is_the_whatwg_parse(url):
    assert url_scheme(url) == "javascript" == scheme(url)


url_text = st.lists(
    st.one_of(
        st.sampled_from(["javascript", "JaVa", "script", "data", "vbscript", ":", "&#x09;", "&#106;", "&colon;",
                         "\t", "\n", "\x01", " ", "/", "\\", "http", "s", "&", "#", "1", "%0a", "mailto"]),
        st.text(max_size=3),
    ),
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=url_text)
@example(url="javascript:123")
def test_no_kept_href_has_an_unsafe_scheme_by_the_whatwg_parse(url):
    for source, fmt in ((f'<a href="{url}">x</a>', "html"), (f"[x]({url})", "markdown")):
        for href in hrefs(render(source, fmt)):
            assert href is None or scheme(href) in SAFE_SCHEMES | {None}, (url, href)


# --- code and styles go with their content -------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<p>Before</p><script>alert('secret code')</script><p>After</p>",
        "<p>Before</p><STYLE>p { color: red } secret code</STYLE><p>After</p>",
        "<p>Before<script type=text/javascript>var secret = 'code';</script></p><p>After</p>",
        "<p>Before</p><template><p>secret code</p></template><p>After</p>",
        "<p>Before</p><svg><style>secret code</style></svg><p>After</p>",
        "<table><script>secret code</script><tr><td>Before</td></tr></table><p>After</p>",
    ],
)
@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_script_and_style_are_dropped_with_their_content_not_left_as_text(source, fmt):
    out = render(source, fmt)
    assert "secret" not in out and "color" not in out and "alert" not in out
    assert "Before" in out and "After" in out


def test_text_that_only_names_a_script_stays():
    assert clean_html("<p>Use &lt;script&gt; tags sparingly</p>") == "<p>Use &lt;script&gt; tags sparingly</p>"
