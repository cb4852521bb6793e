"""The XSS corpus rendered in headless Chromium executes nothing (SPEC §2.3).

Every vector of tests/posts/test_sanitize.py goes into posts and a comment —
through the service (sanitized on save, in both input formats) and, for the
second line of defence, straight into the rows (as an import would) — and the
post pages are opened in Chromium with traps set before any page script runs:
``alert``/``confirm``/``prompt``/``print`` and a dialog handler, a
``window.__xss`` flag the vectors' payloads would set, and a listener for CSP
violations (which would mean the sanitizer let something through and only the
header stopped it). Then every element is hovered, focused and clicked-free
events are dispatched, so that event-handler vectors get their chance.
Sanitizing idempotence is tests/posts/test_sanitize.py.

DOMPurify's published test payloads (tests/security/vectors/) are rendered too: in
batches of ``BATCH`` payloads per post (both formats, and as a comment), so that about 20 pages
hold all of them, and as post titles, shown in the community's post list.
"""
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from zeal import zeal_ignore

from communities.models import Role
from feed.selectors import ORDERING, encode_cursor
from posts import services as post_services
from posts.models import Comment, Post
from tests.factories import CommunityFactory, UserFactory, add_member
from tests.posts.test_sanitize import XSS_VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAPS = """
window.__xss = false;
window.__csp = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function () { window.__xss = true; };
}
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""
# Payloads that set the flag, besides the corpus' own alert(1).
EXTRA = [
    "<img src=x onerror=window.__xss=true>",
    "<a href=\"javascript:window.__xss=true\" id=xss-link>click</a>",
    "<div onmouseover=\"window.__xss=true\" style=\"position:fixed;inset:0\">hover</div>",
    "<svg><animate onbegin=window.__xss=true attributeName=x dur=1s>",
    "<iframe srcdoc=\"<script>parent.__xss=true</script>\"></iframe>",
    "<p>[md](javascript:window.__xss=true)</p>",
    # A defect once: bleach's parse took "javascript" for a host and the digits for a port.
    '<a href="javascript:123">port</a>',
    '<a href="JaVaScRiPt:1">case</a>',
    '<a href="java&#x09;script:1">tab</a>',
    '<a href="&#x01; javascript:1">control</a>',
]
CORPUS = XSS_VECTORS + EXTRA
DOMPURIFY = [
    v["payload"]
    for v in json.loads((Path(__file__).parent / "vectors" / "dompurify.json").read_text(encoding="utf-8"))["vectors"]
]
BATCH = 25


@pytest.fixture
def xss_posts(fresh_caches):
    # Setting up is not what is under test (django-zeal would flag the loops).
    with zeal_ignore():
        return _xss_posts()


def _xss_posts():
    author = UserFactory(username="mallory")
    community = CommunityFactory(slug="xss-lab", visibility="open")
    add_member(community, author, Role.OWNER)
    ids = []
    joined = "\n".join(CORPUS)
    for fmt in ("html", "markdown"):
        post, _ = post_services.post_create(
            actor=author, community=community, title=f"Corpus {fmt}", body=joined, body_format=fmt,
            classification="unclassified",
        )
        post_services.comment_create(actor=author, post=post, body=joined)
        ids.append(post.pk)
    # Written around the services (an import, a fixture): the page must still be safe.
    raw = Post.objects.create(
        community=community, author=author, title="Corpus raw", body=joined, classification="unclassified"
    )
    Comment.objects.create(post=raw, author=author, body=joined)
    ids.append(raw.pk)
    for start in range(0, len(DOMPURIFY), BATCH):
        batch = DOMPURIFY[start:start + BATCH]
        for fmt in ("html", "markdown"):
            ids += _dompurify_posts(author, community, batch, fmt, f"Corpus DOMPurify {start} {fmt}")
        raw = Post.objects.create(community=community, author=author, title=f"Corpus DOMPurify {start} raw",
                                  body="\n".join(batch), classification="unclassified")
        ids.append(raw.pk)
    # Every payload as a title (a title is text: escaped wherever it is shown).
    for payload in DOMPURIFY:
        if payload.strip():
            post_services.post_create(actor=author, community=community, title=payload[:200], body="<p>t</p>",
                                      classification="unclassified")
    return author, community, ids


def _dompurify_posts(author, community, batch, fmt, title):
    """One post holding ``batch`` (and a comment holding it as plain text); when the batch as a whole
    is refused as too deep to render, one post per payload, the refused ones left out."""
    try:
        post, _w = post_services.post_create(actor=author, community=community, title=title, body="\n".join(batch),
                                             body_format=fmt, classification="unclassified")
    except ValidationError:
        ids = []
        for n, payload in enumerate(batch):
            try:
                ids += [post_services.post_create(actor=author, community=community, title=f"{title} {n}",
                                                  body=payload, body_format=fmt, classification="unclassified")[0].pk]
            except ValidationError:
                pass
        return ids
    post_services.comment_create(actor=author, post=post, body="\n".join(batch)[:10_000])
    return [post.pk]


def test_the_xss_corpus_executes_nothing_in_a_real_browser(xss_posts, page, live_server):
    author, community, ids = xss_posts
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.context.add_init_script(TRAPS)
    # Sign in through the form (the session cookie is the browser's own).
    page.goto("/accounts/login/")
    page.fill("input[name=username]", author.username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit] >> text=Log in")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # The community's pages, keyset-paged (feed.selectors): a cursor after every 20th post.
    newest = Post.objects.filter(community=community).order_by(*ORDERING)
    lists = [f"/communities/{community.slug}/"] + [
        f"/communities/{community.slug}/?cursor={encode_cursor(p)}" for p in newest[19::20]
    ]
    for url in [f"/posts/{pk}/" for pk in ids] + lists:
        page.goto(url)
        page.wait_for_load_state("load")
        if url.startswith("/posts/"):
            assert page.locator("h1").inner_text().startswith("Corpus")
        # Give event-handler vectors their chance: hover, focus, mouse and animation events everywhere.
        page.evaluate(
            """() => {
              for (const el of document.querySelectorAll('.rich-text *, .comment *, main *')) {
                for (const type of ['mouseover', 'mouseenter', 'focus', 'toggle', 'animationstart', 'load',
                                    'error', 'begin']) {
                  el.dispatchEvent(new Event(type));
                }
              }
            }"""
        )
        page.mouse.move(200, 300)
        page.mouse.move(640, 400)
        found = page.evaluate(
            """() => {
              const bad = [];
              // The site's own files only: static/ and the JavaScript catalogue (/jsi18n/, unisocial/i18n.py).
              const own = s => { const u = new URL(s.src); return u.origin === location.origin
                && (u.pathname.startsWith('/static/') || u.pathname === '/jsi18n/'); };
              const scripts = [...document.scripts].filter(s => !s.src || !own(s));
              if (scripts.length) bad.push('inline script x' + scripts.length);
              for (const el of document.querySelectorAll('main *')) {
                for (const attr of el.attributes) {
                  const v = attr.value.replace(/[\\s\\x00-\\x20]/g, '').toLowerCase();
                  if (attr.name.startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
                  if (attr.name === 'style') bad.push(el.tagName + ' style=');
                  if (/^(javascript|vbscript|data|livescript):/.test(v)) {
                    bad.push(el.tagName + ' ' + attr.name + '=' + v);
                  }
                  // The browser's own WHATWG URL parse decides the scheme (SPEC §2.3).
                  if (['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'background', 'cite',
                       'data', 'srcset'].includes(attr.name)) {
                    let scheme = null;
                    try { scheme = new URL(attr.value, document.baseURI).protocol; } catch (e) { scheme = 'invalid'; }
                    if (!['http:', 'https:', 'mailto:'].includes(scheme)) {
                      bad.push(el.tagName + ' ' + attr.name + ' scheme ' + scheme + ' ' + attr.value);
                    }
                  }
                }
                if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'MATH', 'STYLE', 'BASE', 'META', 'LINK', 'FORM']
                      .includes(el.tagName.toUpperCase()) && el.closest('.rich-text')) {
                  bad.push('tag ' + el.tagName);
                }
              }
              return {xss: window.__xss, csp: window.__csp, bad};
            }"""
        )
        assert found["xss"] is False, f"{url}: a payload ran"
        assert not found["bad"], f"{url}: {found['bad']}"
        assert not found["csp"], f"{url}: only the CSP stopped {found['csp']}"
    assert len(ids) >= 2 * len(DOMPURIFY) // BATCH, "every batch of payloads was rendered"
    assert not dialogs, dialogs
    assert not page.js_errors, page.js_errors
