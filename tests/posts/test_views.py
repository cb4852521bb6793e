"""Post pages in the browser (SPEC §2.2–2.4, §6): detail, write, edit, withdraw,
recommend, comments, history, attachment downloads, tag and profile pages."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty

from communities.models import Community, Role
from posts import services
from posts.models import AccessLog, Comment, Like, Post
from posts.models.attachment import private_storage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

SC = Level.STRICTLY_CONFIDENTIAL
XSS = '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'


@pytest.fixture
def cast(db):
    return {
        name: UserFactory(username=name)
        for name in ("owner", "moderator", "author", "plain", "outsider")
    }


def _community(cast, visibility, **kwargs):
    community = CommunityFactory(
        visibility=visibility, slug=f"{visibility}-room", name=f"The {visibility} room", **kwargs
    )
    add_member(community, cast["owner"], Role.OWNER)
    add_member(community, cast["moderator"], Role.MODERATOR)
    add_member(community, cast["author"])
    add_member(community, cast["plain"])
    return community


@pytest.fixture
def moderated(cast):
    return _community(cast, Visibility.MODERATED)


@pytest.fixture
def restricted(cast):
    return _community(cast, Visibility.RESTRICTED)


@pytest.fixture
def open_room(cast):
    return _community(cast, Visibility.OPEN)


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty


def publish(author, community, **fields):
    fields.setdefault("title", "A post")
    fields.setdefault("classification", Level.UNCLASSIFIED)
    post, _warnings = services.post_create(actor=author, community=community, **fields)
    return post


def page_of(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- invisible means 404 --------------------------------------------------------------------


@pytest.fixture
def members_only_post(cast, moderated, private_root):
    """An unclassified post in a moderated community, with a comment and an attachment."""
    post = publish(cast["author"], moderated, title="Members only")
    comment, _ = services.comment_create(actor=cast["author"], post=post, body="First")
    attachment = services.attachment_add(
        actor=cast["author"],
        item=post,
        upload=SimpleUploadedFile("notes.txt", b"hello", "text/plain"),
    )
    return post, comment, attachment


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/posts/{p}/"),
        ("get", "/posts/{p}/history/"),
        ("get", "/posts/{p}/edit/"),
        ("get", "/posts/{p}/delete/"),
        ("post", "/posts/{p}/like/"),
        ("post", "/posts/{p}/comments/"),
        ("get", "/posts/{p}/comments/{c}/edit/"),
        ("post", "/posts/{p}/comments/{c}/edit/"),
        ("get", "/posts/{p}/comments/{c}/delete/"),
        ("post", "/posts/{p}/comments/{c}/delete/"),
        ("get", "/posts/{p}/attachments/{a}/"),
    ],
)
def test_non_member_gets_404_for_every_route_of_an_unclassified_post_in_a_moderated_community(
    client, cast, members_only_post, method, path
):
    post, comment, attachment = members_only_post
    url = path.format(p=post.pk, c=comment.pk, a=attachment.pk)
    client.force_login(cast["outsider"])
    response = getattr(client, method)(url, {"body": "hi", "action": "recommend"})
    assert response.status_code == 404
    assert Like.objects.count() == 0
    assert Comment.objects.count() == 1


def test_moderator_gets_404_for_a_strictly_confidential_post(client, cast, restricted):
    post = publish(cast["author"], restricted, title="Budget", classification=SC)
    client.force_login(cast["moderator"])
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    assert client.get(f"/posts/{post.pk}/history/").status_code == 404


def test_viewing_a_strictly_confidential_post_writes_an_access_log_row(client, cast, restricted):
    post = publish(
        cast["author"], restricted, title="Budget", classification=SC, readers=[cast["plain"]]
    )
    client.force_login(cast["plain"])
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert "Budget" in page
    assert "Strictly Confidential" in page
    log = AccessLog.objects.get()
    assert (log.user, log.target_type, log.target_id, log.classification) == (
        cast["plain"],
        "post",
        post.pk,
        SC,
    )


def test_viewing_a_confidential_post_is_not_logged(client, cast, moderated):
    post = publish(cast["author"], moderated, classification=Level.CONFIDENTIAL)
    client.force_login(cast["plain"])
    assert client.get(f"/posts/{post.pk}/").status_code == 200
    assert not AccessLog.objects.exists()


def test_withdrawn_post_is_404_to_everyone_including_its_author(client, cast, moderated):
    post = publish(cast["author"], moderated, title="Soon gone")
    client.force_login(cast["author"])
    assert "Delete “<bdi>Soon gone</bdi>”?" in page_of(client.get(f"/posts/{post.pk}/delete/"))
    response = client.post(f"/posts/{post.pk}/delete/")
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).status == Status.WITHDRAWN
    for who in ("author", "owner", "plain"):
        client.force_login(cast[who])
        assert client.get(f"/posts/{post.pk}/").status_code == 404
        assert client.get(f"/posts/{post.pk}/history/").status_code == 404
    assert "Soon gone" not in page_of(client.get(f"/communities/{moderated.slug}/"))


def test_only_the_author_may_edit_or_delete_a_post(client, cast, moderated):
    post = publish(cast["author"], moderated)
    client.force_login(cast["owner"])
    assert client.get(f"/posts/{post.pk}/edit/").status_code == 403
    assert client.post(f"/posts/{post.pk}/delete/").status_code == 403
    assert Post.objects.get(pk=post.pk).status == Status.PUBLISHED


# --- the post page --------------------------------------------------------------------------


def test_post_page_shows_marking_community_author_tags_likes_and_attachments(
    client, cast, moderated, private_root
):
    post = publish(
        cast["author"],
        moderated,
        title="Field notes",
        body="**Strong** point",
        body_format="markdown",
        classification=Level.CONFIDENTIAL,
        tags=["Water", "Health"],
    )
    services.attachment_add(
        actor=cast["author"], item=post, upload=SimpleUploadedFile("a.txt", b"x", "text/plain")
    )
    services.post_like(actor=cast["plain"], post=post)
    client.force_login(cast["moderator"])
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert "Field notes" in page
    assert "Confidential" in page
    assert moderated.name in page
    assert '<a href="/people/author/" dir="auto">author</a>' in page
    assert "<strong>Strong</strong>" in page
    assert 'href="/tags/water/"' in page and 'href="/tags/health/"' in page
    assert "1 recommendation" in page
    assert 'href="/people/plain/" dir="auto">plain</a>' in page
    assert f'href="/posts/{post.pk}/attachments/' in page
    assert f'href="/posts/{post.pk}/history/"' in page
    # Not the author: no edit or delete link.
    assert f"/posts/{post.pk}/edit/" not in page


def test_post_body_cannot_run_script(client, cast, moderated):
    post = publish(cast["author"], moderated, title="Hostile", body=XSS, body_format="html")
    client.force_login(cast["plain"])
    page = page_of(client.get(f"/posts/{post.pk}/"))
    body = re.split(r'<div class="post__body rich-text"[^>]*>', page)[1].split("</div>")[0]
    assert "x</a>" in body
    for bad in ("<script", "onerror", "javascript:"):
        assert bad not in body
    # and nowhere in the page but the one external script file, if any
    assert "<script>" not in page
    assert "onerror" not in page
    assert "javascript:" not in page


def test_xss_through_the_post_form_is_cleaned_on_save(client, cast, moderated):
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/new/?community={moderated.slug}",
        {"title": "Hostile", "body": XSS, "body_format": "html", "classification": "confidential"},
    )
    post = Post.objects.get()
    assert response["Location"] == f"/posts/{post.pk}/"
    page = page_of(client.get(f"/posts/{post.pk}/"))
    for bad in ("<script>", "onerror", "javascript:"):
        assert bad not in page


def test_post_page_carries_no_inline_script_or_style(client, cast, moderated):
    post = publish(cast["author"], moderated)
    services.comment_create(actor=cast["plain"], post=post, body="Hello")
    client.force_login(cast["author"])
    for url in (
        f"/posts/{post.pk}/",
        f"/posts/{post.pk}/edit/",
        f"/posts/new/?community={moderated.slug}",
    ):
        page = page_of(client.get(url))
        assert "style=" not in page
        for tag in re.findall(r"<script[^>]*>", page):
            # Files of the site: static/ and the JavaScript catalogue (unisocial/i18n.py).
            assert tag.startswith(('<script src="/static/', '<script src="/jsi18n/'))


# --- writing a post -------------------------------------------------------------------------


def test_community_page_links_members_to_the_post_and_page_forms(client, cast, moderated):
    client.force_login(cast["plain"])
    page = page_of(client.get(f"/communities/{moderated.slug}/"))
    assert f'href="/posts/new/?community={moderated.slug}"' in page
    assert f'href="/communities/{moderated.slug}/wiki/new/"' in page
    client.force_login(cast["outsider"])
    page = page_of(client.get(f"/communities/{moderated.slug}/"))
    assert "/posts/new/" not in page


def test_post_form_shows_the_ceiling_disclaimer_guidelines_and_no_default_level(
    client, cast, moderated
):
    Community.objects.filter(pk=moderated.pk).update(guidelines="Be kind to each other.")
    client.force_login(cast["plain"])
    page = page_of(client.get(f"/posts/new/?community={moderated.slug}"))
    assert "is designed for information up to <strong>Confidential</strong>" in page
    assert "Be kind to each other." in page
    assert '<option value="" selected>— choose a level —</option>' in page
    assert 'value="strictly_confidential"' not in page  # above the ceiling
    assert 'data-audience-url="/api/v1/communities/moderated-room/audience/"' in page
    assert 'src="/static/js/editor.js"' in page
    assert '<input type="hidden" name="body_format" value="markdown"' in page  # no format to choose


def test_post_form_without_a_chosen_level_shows_the_error_and_creates_nothing(
    client, cast, moderated
):
    client.force_login(cast["plain"])
    response = client.post(
        f"/posts/new/?community={moderated.slug}",
        {"title": "Hello", "body": "text", "body_format": "markdown", "classification": ""},
    )
    assert response.status_code == 200
    assert (
        "Choose a classification level: this community holds information up to Confidential."
        in page_of(response)
    )
    assert not Post.objects.exists()


def test_post_form_in_an_unclassified_community_forces_unclassified(client, cast, open_room):
    client.force_login(cast["plain"])
    page = page_of(client.get(f"/posts/new/?community={open_room.slug}"))
    assert "— choose a level —" not in page
    assert '<input type="hidden" name="classification" value="unclassified"' in page
    assert "all staff" in page  # the audience line is known at once
    response = client.post(
        f"/posts/new/?community={open_room.slug}",
        {
            "title": "Hello",
            "body": "text",
            "body_format": "markdown",
            "classification": "confidential",
        },
    )
    assert response.status_code == 302
    assert Post.objects.get().classification == Level.UNCLASSIFIED


def test_strictly_confidential_reader_who_is_not_a_member_is_refused_with_a_form_error(
    client, cast, restricted
):
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/new/?community={restricted.slug}",
        {
            "title": "Secret",
            "body": "x",
            "body_format": "markdown",
            "classification": SC,
            "readers": "plain, outsider",
        },
    )
    assert response.status_code == 200
    assert "A reader must be a member of the community: outsider" in page_of(response)
    assert "field--error" in page_of(response)
    assert not Post.objects.exists()


def test_unknown_reader_is_a_form_error(client, cast, restricted):
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/new/?community={restricted.slug}",
        {
            "title": "Secret",
            "body": "x",
            "body_format": "markdown",
            "classification": SC,
            "readers": "nobody",
        },
    )
    assert "Unknown people: nobody" in page_of(response)
    assert not Post.objects.exists()


def test_preview_shows_the_audience_line_and_publishes_nothing(client, cast, moderated):
    client.force_login(cast["plain"])
    response = client.post(
        f"/posts/new/?community={moderated.slug}",
        {
            "title": "Hello",
            "body": "**hi**",
            "body_format": "markdown",
            "classification": "confidential",
            "preview": "1",
        },
    )
    page = page_of(response)
    assert "the 4 members of The moderated room" in page
    assert "<strong>hi</strong>" in page
    assert not Post.objects.exists()


def test_preview_of_a_strictly_confidential_post_counts_the_named_people(client, cast, restricted):
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/new/?community={restricted.slug}",
        {
            "title": "Hello",
            "body": "x",
            "body_format": "markdown",
            "classification": SC,
            "readers": "plain",
            "preview": "1",
        },
    )
    # the author, the reader and the owner
    assert "3 named people" in page_of(response)


def test_publishing_redirects_to_the_post_and_warns_about_mentions_who_cannot_see_it(
    client, cast, moderated, private_root
):
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/new/?community={moderated.slug}",
        {
            "title": "Hello",
            "body": "Hi @plain and @outsider",
            "body_format": "markdown",
            "classification": "confidential",
            "tags": "water, sanitation",
            "attachment": SimpleUploadedFile("plan.txt", b"the plan", "text/plain"),
        },
        follow=True,
    )
    post = Post.objects.get()
    assert response.redirect_chain[-1][0] == f"/posts/{post.pk}/"
    assert post.author == cast["author"]
    assert post.classification == Level.CONFIDENTIAL
    assert sorted(post.tags.values_list("slug", flat=True)) == ["sanitation", "water"]
    assert post.attachments.get().filename == "plan.txt"
    assert any("outsider" in m and "cannot see" in m for m in messages_of(response))


def test_a_refused_attachment_keeps_the_post_unpublished(client, cast, moderated, private_root):
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/new/?community={moderated.slug}",
        {
            "title": "Hello",
            "body": "x",
            "body_format": "markdown",
            "classification": "confidential",
            "attachment": SimpleUploadedFile("tool.exe", b"MZ", "application/octet-stream"),
        },
    )
    assert response.status_code == 200
    assert "This type of file is not accepted" in page_of(response)
    assert not Post.objects.exists()


def test_non_member_is_refused_the_post_form(client, cast, open_room):
    client.force_login(cast["outsider"])
    assert client.get(f"/posts/new/?community={open_room.slug}").status_code == 403


def test_archived_community_has_no_post_form_but_stays_readable(client, cast, moderated):
    post = publish(cast["author"], moderated, title="Old news")
    Community.objects.filter(pk=moderated.pk).update(is_archived=True)
    client.force_login(cast["plain"])
    response = client.get(f"/posts/new/?community={moderated.slug}", follow=True)
    assert "This community is archived and read-only." in messages_of(response)
    response = client.post(
        f"/posts/new/?community={moderated.slug}",
        {"title": "New", "body": "x", "body_format": "markdown", "classification": "confidential"},
    )
    assert Post.objects.count() == 1
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert "Old news" in page
    assert "Add a comment" not in page
    assert "Recommend" not in page
    community_page = page_of(client.get(f"/communities/{moderated.slug}/"))
    assert "Old news" in community_page
    assert "/posts/new/" not in community_page


def test_author_lowering_the_level_must_give_a_reason(client, cast, moderated):
    post = publish(cast["author"], moderated, title="Level", classification=Level.CONFIDENTIAL)
    client.force_login(cast["author"])
    data = {
        "title": "Level",
        "body": "x",
        "body_format": "markdown",
        "classification": "unclassified",
    }
    response = client.post(f"/posts/{post.pk}/edit/", data)
    assert "Give a reason for lowering the classification." in page_of(response)
    assert Post.objects.get(pk=post.pk).classification == Level.CONFIDENTIAL
    response = client.post(f"/posts/{post.pk}/edit/", {**data, "reason": "Published report"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.classification == Level.UNCLASSIFIED
    history = page_of(client.get(f"/posts/{post.pk}/history/"))
    assert "Published report" in history
    assert history.count("<tr>") == 3  # header + two revisions


def test_edit_form_starts_from_the_source_the_author_wrote(client, cast, moderated):
    post = publish(
        cast["author"],
        moderated,
        body="**bold**",
        body_format="markdown",
        tags=["Water"],
        classification=Level.CONFIDENTIAL,
    )
    client.force_login(cast["author"])
    page = page_of(client.get(f"/posts/{post.pk}/edit/"))
    assert "**bold**</textarea>" in page
    assert 'value="Water"' in page
    assert "the 4 members of The moderated room" in page


# --- recommend and comments -----------------------------------------------------------------


def test_recommend_and_undo(client, cast, moderated):
    post = publish(cast["author"], moderated)
    client.force_login(cast["plain"])
    client.post(f"/posts/{post.pk}/like/", {"action": "recommend"})
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert "1 recommendation" in page
    assert "Undo my recommendation" in page
    client.post(f"/posts/{post.pk}/like/", {"action": "undo"})
    assert not Like.objects.exists()
    assert client.get(f"/posts/{post.pk}/like/").status_code == 405


def test_members_comment_and_reply_one_level_deep(client, cast, moderated):
    post = publish(cast["author"], moderated)
    client.force_login(cast["plain"])
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Top comment"})
    top = Comment.objects.get()
    assert response["Location"] == f"/posts/{post.pk}/?comment={top.pk}#comment-{top.pk}"
    client.force_login(cast["author"])
    client.post(f"/posts/{post.pk}/comments/", {"body": "A reply", "parent": top.pk})
    reply = Comment.objects.get(body_source="A reply")
    client.post(f"/posts/{post.pk}/comments/", {"body": "A reply to the reply", "parent": reply.pk})
    assert Comment.objects.get(body_source="A reply to the reply").parent == top
    page = page_of(client.get(f"/posts/{post.pk}/"))
    thread = page.split(f'id="comment-{top.pk}"')[1]
    assert (
        thread.index("Top comment")
        < thread.index('class="comment-replies"')
        < thread.index("A reply")
    )
    assert page.count('class="comment comment--reply"') == 2


def test_empty_comment_shows_the_error_on_the_post_page(client, cast, moderated):
    post = publish(cast["author"], moderated)
    client.force_login(cast["plain"])
    response = client.post(f"/posts/{post.pk}/comments/", {"body": ""})
    assert response.status_code == 200
    assert "Please correct the errors below." in page_of(response)
    assert not Comment.objects.exists()


def test_non_member_of_an_open_community_reads_but_cannot_comment(client, cast, open_room):
    post = publish(cast["author"], open_room, title="Open news")
    client.force_login(cast["outsider"])
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert "Open news" in page
    assert "Only members of this community can comment." in page
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Hi"}, follow=True)
    assert "Only members of this community can write in it." in messages_of(response)
    assert not Comment.objects.exists()


def test_authors_edit_and_delete_their_own_comments_only(client, cast, moderated):
    post = publish(cast["author"], moderated)
    comment, _ = services.comment_create(actor=cast["plain"], post=post, body="Frist")
    client.force_login(cast["author"])
    assert client.get(f"/posts/{post.pk}/comments/{comment.pk}/edit/").status_code == 403
    assert client.post(f"/posts/{post.pk}/comments/{comment.pk}/delete/").status_code == 403
    client.force_login(cast["plain"])
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert f"/posts/{post.pk}/comments/{comment.pk}/edit/" in page
    client.post(f"/posts/{post.pk}/comments/{comment.pk}/edit/", {"body": "First"})
    comment.refresh_from_db()
    assert comment.body_source == "First"
    assert client.get(f"/posts/{post.pk}/comments/{comment.pk}/delete/").status_code == 200
    client.post(f"/posts/{post.pk}/comments/{comment.pk}/delete/")
    assert "First" not in page_of(client.get(f"/posts/{post.pk}/"))
    assert client.get(f"/posts/{post.pk}/comments/{comment.pk}/edit/").status_code == 404


# --- attachments ----------------------------------------------------------------------------


def test_attachment_is_served_only_as_a_download_through_the_view(
    client, cast, restricted, private_root
):
    post = publish(cast["author"], restricted, classification=SC, readers=[cast["plain"]])
    attachment = services.attachment_add(
        actor=cast["author"],
        item=post,
        upload=SimpleUploadedFile("report.txt", b"<b>secret</b>", "text/plain"),
    )
    client.force_login(cast["plain"])
    response = client.get(f"/posts/{post.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<b>secret</b>"
    assert AccessLog.objects.filter(user=cast["plain"], via="download").exists()
    # The file has no public address, and other people's downloads are 404.
    client.force_login(cast["moderator"])
    assert client.get(f"/posts/{post.pk}/attachments/{attachment.pk}/").status_code == 404
    other = publish(cast["author"], restricted, classification=Level.CONFIDENTIAL)
    assert client.get(f"/posts/{other.pk}/attachments/{attachment.pk}/").status_code == 404


# --- tags and people ------------------------------------------------------------------------


def test_tag_page_lists_only_visible_posts(client, cast, moderated, open_room):
    publish(cast["author"], open_room, title="Open water", tags=["Water"])
    publish(cast["author"], moderated, title="Members water", tags=["Water"])
    publish(cast["author"], moderated, title="Hidden sanitation", tags=["Sanitation"])
    client.force_login(cast["outsider"])
    page = page_of(client.get("/tags/water/"))
    assert "Open water" in page
    assert "Members water" not in page
    assert "1 post you can see" in page
    # A tag carried only by posts the user cannot see does not exist for them.
    assert client.get("/tags/sanitation/").status_code == 404
    client.force_login(cast["plain"])
    assert "Members water" in page_of(client.get("/tags/water/"))


def test_profile_shows_only_what_the_viewer_may_see(client, cast, moderated, restricted, open_room):
    publish(cast["author"], open_room, title="Open thoughts")
    publish(cast["author"], moderated, title="Members thoughts")
    publish(cast["author"], restricted, title="Secret thoughts", classification=SC)
    client.force_login(cast["outsider"])
    page = page_of(client.get("/people/author/"))
    assert "Open thoughts" in page
    assert "Members thoughts" not in page
    assert "Secret thoughts" not in page
    assert open_room.name in page and moderated.name in page
    assert restricted.name not in page
    client.force_login(cast["moderator"])
    page = page_of(client.get("/people/author/"))
    assert "Members thoughts" in page
    assert "Secret thoughts" not in page
    assert restricted.name in page
    assert client.get("/people/nobody/").status_code == 404


def test_tag_and_profile_pages_are_paginated(client, cast, open_room):
    for i in range(25):
        publish(cast["author"], open_room, title=f"Post {i}", tags=["Water"])
    client.force_login(cast["plain"])
    for url in ("/tags/water/", "/people/author/"):
        response = client.get(url)
        assert len(response.context["page_obj"]) == 20
        assert len(client.get(f"{url}?page=2").context["page_obj"]) == 5


# --- a constant number of queries -------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_post_page_query_count_is_constant(
    client, cast, moderated, n, django_assert_max_num_queries, private_root
):
    post = publish(
        cast["author"],
        moderated,
        classification=Level.CONFIDENTIAL,
        tags=[f"tag {i}" for i in range(min(n, 10))],
    )
    services.attachment_add(
        actor=cast["author"], item=post, upload=SimpleUploadedFile("a.txt", b"x", "text/plain")
    )
    people = [UserFactory() for _ in range(n)]
    for person in people:
        add_member(moderated, person)
    top = None
    for i, person in enumerate(people):
        services.post_like(actor=person, post=post)
        comment, _ = services.comment_create(
            actor=person, post=post, body=f"Comment {i}", parent=top
        )
        top = top or comment
    client.force_login(cast["plain"])
    with django_assert_max_num_queries(20):
        response = client.get(f"/posts/{post.pk}/")
    assert response.status_code == 200
    assert f"{n} recommendations" in page_of(response)


@pytest.mark.parametrize("n", [5, 50])
def test_community_tag_and_profile_pages_query_count_is_constant(
    client, cast, moderated, n, django_assert_max_num_queries
):
    services.wiki_create(
        actor=cast["author"], community=moderated, title="Home", classification="confidential"
    )
    for i in range(n):
        publish(cast["author"], moderated, title=f"Post {i}", tags=["Water"])
    client.force_login(cast["plain"])
    for url in (f"/communities/{moderated.slug}/", "/tags/water/", "/people/author/"):
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.status_code == 200


def test_post_page_in_french(client, cast, moderated):
    post = publish(cast["author"], moderated, classification=Level.CONFIDENTIAL)
    client.force_login(cast["plain"])
    client.cookies["django_language"] = "fr"
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert "Confidentiel" in page
    assert "Commentaires" in page
    assert "Ajouter un commentaire" in page


def test_comments_are_paged_by_thread_and_a_comment_link_opens_its_page(client, cast, moderated):
    from posts.selectors import COMMENT_THREADS_PER_PAGE as per_page

    post = publish(cast["author"], moderated)
    comments = [
        Comment.objects.create(post=post, author=cast["plain"], body=f"<p>Thread number {i:03d}</p>")
        for i in range(per_page + 5)
    ]
    last = comments[-1]
    reply = Comment.objects.create(post=post, author=cast["owner"], body="<p>A reply on page two</p>", parent=last)
    client.force_login(cast["moderator"])

    first = page_of(client.get(f"/posts/{post.pk}/"))
    assert "Thread number 000" in first and f"Thread number {per_page - 1:03d}" in first
    assert f"Thread number {per_page:03d}" not in first
    assert 'aria-label="Comment pages"' in first and "Page 1 of 2" in first

    second = page_of(client.get(f"/posts/{post.pk}/?page=2"))
    assert f"Thread number {per_page:03d}" in second and "Thread number 000" not in second
    assert "A reply on page two" in second  # replies come with their thread

    # The link a notification or a search result gives opens the page holding the comment.
    linked = client.get(reply.get_absolute_url().split("#")[0])
    assert "A reply on page two" in page_of(linked) and "Page 2 of 2" in page_of(linked)
    # An unknown or invisible comment id falls back to the first page, not an error.
    assert "Thread number 000" in page_of(client.get(f"/posts/{post.pk}/?comment=999999999"))
    assert client.get(f"/posts/{post.pk}/?comment=x&page=abc").status_code == 200


def test_a_popular_post_names_the_first_recommenders_and_counts_the_rest(client, cast, moderated):
    from posts.selectors import LIKERS_SHOWN

    post = publish(cast["author"], moderated)
    people = [UserFactory(username=f"fan{i:02d}") for i in range(LIKERS_SHOWN + 3)]
    for person in people:
        add_member(moderated, person)
        services.post_like(actor=person, post=post)
    client.force_login(people[-1])  # a late recommender, not among the names shown
    page = page_of(client.get(f"/posts/{post.pk}/"))
    assert f"{LIKERS_SHOWN + 3} recommendations" in page
    assert "fan00" in page and f"fan{LIKERS_SHOWN:02d}" not in page
    assert "and 3 others" in page
    assert "Undo my recommendation" in page  # still knows I recommended it
