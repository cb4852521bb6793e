"""DOMPurify's published test payloads (vendored in tests/security/vectors/, with its licence)
through every input the sanitizer serves (SPEC §2.3):
post and wiki bodies in both formats, comment bodies (plain text) and titles (shown as
text). Server-side, whatever is kept has no script, event attribute, ``style=``, svg/math/style/
noscript element or ``javascript:``/``data:``/``vbscript:`` URL by a WHATWG parse; the browser half
is tests/security/test_xss_browser.py."""
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape
from zeal import zeal_ignore

from communities.models import Role
from feed.selectors import encode_cursor
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member
from tests.posts.test_sanitize import assert_safe, elements
from unisocial.sanitize import clean_text, render

VECTORS = json.loads((Path(__file__).parent / "vectors" / "dompurify.json").read_text(encoding="utf-8"))
PAYLOADS = [v["payload"] for v in VECTORS["vectors"]]
IDS = [f"{n:03d}" for n in range(len(PAYLOADS))]
assert len(PAYLOADS) >= 200


def rendered_or_refused(payload, fmt):
    """The stored HTML, or None when the text is refused as unrenderable (nothing is stored then)."""
    try:
        return render(payload, fmt)
    except ValidationError as error:
        assert list(error.message_dict) == ["body"]
        return None


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_dompurify_payload_keeps_nothing_executable_in_a_rich_text_body(payload, fmt):
    html = rendered_or_refused(payload, fmt)
    if html is not None:
        assert_safe(html)
        assert render(html, "html") == html  # what is stored re-cleans to itself (no mutation left)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_dompurify_payload_is_plain_text_in_a_comment(payload):
    html = clean_text(payload)
    assert {tag for tag, _attrs in elements(html)} <= {"p", "br", "a"}
    assert_safe(html)


@pytest.fixture
def room(db):
    with zeal_ignore():
        community = CommunityFactory(visibility="open", slug="lab", name="Lab")
        author = UserFactory(username="mallory")
        add_member(community, author, Role.OWNER)
    return community, author


@pytest.mark.django_db
def test_every_payload_through_the_services_is_stored_safe(room):
    """The write paths themselves (post, wiki page, comment), not only the sanitizer function."""
    community, author = room
    with zeal_ignore():
        for n, payload in enumerate(PAYLOADS):
            for fmt in ("html", "markdown"):
                try:
                    post, _w = services.post_create(actor=author, community=community, title=f"P{n}{fmt}",
                                                    body=payload, body_format=fmt, classification="unclassified")
                    page, _w = services.wiki_create(actor=author, community=community, title=f"W{n}{fmt}",
                                                    body=payload, body_format=fmt, classification="unclassified")
                except ValidationError as error:
                    assert list(error.message_dict) == ["body"], (n, error)
                    continue
                assert_safe(post.body)
                assert_safe(page.body)
            if payload.strip():  # a blank comment is refused before anything is rendered
                comment, _w = services.comment_create(actor=author, post=post, body=payload[:10_000])
                assert_safe(comment.body)


@pytest.mark.django_db
def test_payloads_as_titles_are_shown_as_text(client, room):
    community, author = room
    client.force_login(author)
    with zeal_ignore():
        posts = [
            services.post_create(actor=author, community=community, title=payload[:200], body="<p>x</p>",
                                 classification="unclassified")[0]
            for payload in PAYLOADS
            if "<" in payload[:200]
        ]
    # Each title on its own page (a sample: the pages share one template) and every title in the
    # community's lists, page by page.
    pages = [post.get_absolute_url() for post in posts[:10]]
    newest = sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)  # keyset pages
    pages += [f"/communities/{community.slug}/"] + [
        f"/communities/{community.slug}/?cursor={encode_cursor(p)}" for p in newest[19::20]
    ]
    shown = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        shown += response.content.decode()
    for post in posts:
        assert post.title not in shown, post.title  # never as markup
        assert escape(post.title) in shown, post.title
