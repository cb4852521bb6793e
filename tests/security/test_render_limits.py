"""Input that would exhaust the renderer is a validation error, never a 500 or a stalled worker
(SPEC §2.3). Python-Markdown took 10 s for 8 kB of unclosed ``[`` (quadratic,
about 10 minutes for 64 kB) and raised RecursionError on 300 nested list items (HTTP 500). Every path
that renders rich or plain text is checked: post, comment and wiki page, created and edited, through
the HTML forms (and their preview) and the API. Comments and wiki pages are not rate-limited, so they
must be bounded by themselves."""
import signal
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError

from communities.models import Role
from posts import services
from posts.models import Comment, Post, WikiPage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.sanitize import MAX_SOURCE_CHARS, MAX_TEXT_CHARS, clean_text, render

pytestmark = pytest.mark.django_db

NESTED_MARKDOWN = {
    "300 nested list items": "".join("  " * i + "- item\n" for i in range(300)),
    "1000 nested list items on one line": "- " * 1000 + "item",
    "300 nested quotes": "> " * 300 + "quote",
}
NESTED_HTML = {
    "300 nested lists": "<ul><li>" * 300 + "item",
    "1000 nested quotes": "<blockquote>" * 1000 + "quote",
    "1000 nested bold": "<b>" * 1000 + "bold",
}
TOO_LONG = "word " * (MAX_SOURCE_CHARS // 5 + 1)
# (source, body_format) a form or API call may send; each must be refused with a message on "body".
REFUSED = [
    *((src, "markdown") for src in NESTED_MARKDOWN.values()),
    *((src, "html") for src in NESTED_HTML.values()),
    # Raw HTML inside Markdown is parsed by the HTML sanitizer: bounded the same way.
    (NESTED_HTML["300 nested lists"], "markdown"),
    (TOO_LONG, "markdown"),
    (TOO_LONG, "html"),
]
REFUSED_IDS = [*NESTED_MARKDOWN, *(f"html: {k}" for k in NESTED_HTML), "raw HTML lists in Markdown",
               "too long (Markdown)", "too long (HTML)"]


@contextmanager
def within(seconds):
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``: a generous
    bound, only for the renderer's worst inputs (the quadratic path took minutes)."""

    def expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- the renderer itself ---------------------------------------------------------------------


def test_64_kb_of_unclosed_brackets_renders_in_bounded_time_as_text():
    with within(30):  # linear now: about 2 s here; the quadratic renderer needed about 10 minutes
        html = render("[" * 64_000, "markdown")
    assert html.count("[") == 64_000 and "<a" not in html


@pytest.mark.parametrize("source", ["[" * 64_000, "![" * 32_000, "[a](" * 16_000, "[^" * 32_000, "*[" * 32_000])
def test_bracket_runs_do_not_take_quadratic_time(source):
    with within(30):
        render(source, "markdown")


@pytest.mark.parametrize(("source", "fmt"), REFUSED, ids=REFUSED_IDS)
def test_too_deep_or_too_long_text_is_a_validation_error_on_body(source, fmt):
    with within(30), pytest.raises(ValidationError) as caught:
        render(source, fmt)
    assert list(caught.value.message_dict) == ["body"]


def test_lists_nested_nine_deep_still_render_completely():
    source = "".join("  " * i + f"- level {i}\n" for i in range(9))
    html = render(source, "markdown")
    assert html.count("<ul>") == 9 and "level 8" in html


def test_markdown_that_expands_past_the_rendered_limit_is_refused():
    # A reference repeats its URL at each use: 20,000 uses of a 2 kB URL would be 40 MB of HTML.
    source = "[r]: https://example.org/" + "a" * 2000 + "\n\n" + "[r] " * 20_000
    with within(30), pytest.raises(ValidationError):
        render(source, "markdown")


def test_plain_text_past_the_comment_limit_is_a_validation_error():
    with pytest.raises(ValidationError) as caught:
        clean_text("x" * (MAX_TEXT_CHARS + 1))
    assert list(caught.value.message_dict) == ["body"]


# --- every path that renders -----------------------------------------------------------------


@pytest.fixture
def room(db):
    community = CommunityFactory(visibility="open", slug="room", name="Room")
    author = UserFactory(username="writer")
    add_member(community, author, Role.OWNER)
    return community, author


@pytest.fixture
def written(room):
    community, author = room
    post, _w = services.post_create(actor=author, community=community, title="Post", body="<p>Fine</p>",
                                    classification="unclassified")
    page, _w = services.wiki_create(actor=author, community=community, title="Guide", body="<p>Fine</p>",
                                    classification="unclassified")
    comment, _w = services.comment_create(actor=author, post=post, body="Fine")
    return post, page, comment


def assert_form_error(response):
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert form.errors.get("body"), form.errors


def assert_api_error(response):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert "body" in response.json()


@pytest.mark.parametrize(("source", "fmt"), REFUSED, ids=REFUSED_IDS)
def test_post_forms_refuse_unrenderable_text_on_the_body_field(client, room, written, source, fmt):
    community, author = room
    post = written[0]
    client.force_login(author)
    data = {"title": "Deep", "body": source, "body_format": fmt, "classification": "unclassified"}
    assert_form_error(client.post(f"/posts/new/?community={community.slug}", data))
    assert_form_error(client.post(f"/posts/new/?community={community.slug}", {**data, "preview": "1"}))
    assert_form_error(client.post(f"/posts/{post.pk}/edit/", data))
    assert_form_error(client.post(f"/posts/{post.pk}/edit/", {**data, "preview": "1"}))
    assert Post.objects.count() == 1 and Post.objects.get().body == "<p>Fine</p>"


@pytest.mark.parametrize(("source", "fmt"), REFUSED, ids=REFUSED_IDS)
def test_wiki_forms_refuse_unrenderable_text_on_the_body_field(client, room, written, source, fmt):
    community, author = room
    page = written[1]
    client.force_login(author)
    data = {"title": "Deep", "body": source, "body_format": fmt, "classification": "unclassified"}
    assert_form_error(client.post(f"/communities/{community.slug}/wiki/new/", data))
    assert_form_error(client.post(f"/communities/{community.slug}/wiki/new/", {**data, "preview": "1"}))
    edit = f"/communities/{community.slug}/wiki/{page.slug}/edit/"
    assert_form_error(client.post(edit, {**data, "title": "Guide"}))
    assert_form_error(client.post(edit, {**data, "title": "Guide", "preview": "1"}))
    assert WikiPage.objects.count() == 1 and WikiPage.objects.get().body == "<p>Fine</p>"


@pytest.mark.parametrize(("source", "fmt"), REFUSED, ids=REFUSED_IDS)
def test_post_and_wiki_api_refuse_unrenderable_text_with_400_on_body(api, room, written, source, fmt):
    community, author = room
    post, page, _comment = written
    client = api(author)
    data = {"title": "Deep", "body": source, "body_format": fmt, "classification": "unclassified"}
    assert_api_error(client.post("/api/v1/posts/", {**data, "community": community.slug}, format="json"))
    assert_api_error(client.patch(f"/api/v1/posts/{post.pk}/", data, format="json"))
    wiki = f"/api/v1/communities/{community.slug}/wiki/"
    assert_api_error(client.post(wiki, data, format="json"))
    assert_api_error(client.put(f"{wiki}{page.slug}/", {**data, "title": "Guide"}, format="json"))
    assert Post.objects.get().body == "<p>Fine</p>" and WikiPage.objects.get().body == "<p>Fine</p>"


def test_comments_refuse_text_past_the_limit_in_forms_and_api(client, api, room, written):
    _community, author = room
    post, _page, comment = written
    too_long = "x" * (MAX_TEXT_CHARS + 1)
    client.force_login(author)
    response = client.post(f"/posts/{post.pk}/comments/{comment.pk}/edit/", {"body": too_long})
    assert_form_error(response)
    assert client.post(f"/posts/{post.pk}/comments/", {"body": too_long}).status_code in (200, 302)
    assert_api_error(api(author).post(f"/api/v1/posts/{post.pk}/comments/", {"body": too_long}, format="json"))
    assert_api_error(
        api(author).patch(f"/api/v1/posts/{post.pk}/comments/{comment.pk}/", {"body": too_long}, format="json")
    )
    # The edit service itself refuses it too (the form and serializer limits are not the only guard).
    with pytest.raises(ValidationError):
        services.comment_update(actor=author, comment=comment, body=too_long)
    assert Comment.objects.count() == 1 and Comment.objects.get().body == "<p>Fine</p>"


@pytest.mark.parametrize("source", [*NESTED_MARKDOWN.values(), *NESTED_HTML.values(), "[" * MAX_TEXT_CHARS])
def test_comments_keep_markup_that_would_nest_as_plain_text_in_bounded_time(api, room, written, source):
    _community, author = room
    post = written[0]
    source = source[:MAX_TEXT_CHARS]
    with within(30):
        response = api(author).post(f"/api/v1/posts/{post.pk}/comments/", {"body": source}, format="json")
    assert response.status_code == 201, response.content[:300]
    body = Comment.objects.latest("pk").body
    assert "<ul" not in body and "<blockquote" not in body and "<b>" not in body
