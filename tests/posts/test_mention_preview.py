"""The mention warning (SPEC §2.3, §2.4) comes already in the preview, before publishing; once
given — in the preview, or after a save — it is not repeated after every edit that changes nothing
about who can see; a newly mentioned outsider, or a raise that shuts a mentioned person out, is."""

from django.contrib.messages import get_messages

from posts import services
from posts.models import Post, WikiPage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility

from .test_views import cast, moderated, page_of, publish  # noqa: F401 — fixtures

WARNING = "Not notified, because they cannot see this item"


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _new_post(client, moderated, **extra):  # noqa: F811
    data = {
        "title": "Hello",
        "body": "Hi @plain and @outsider",
        "body_format": "markdown",
        "classification": "confidential",
        **extra,
    }
    return client.post(f"/posts/new/?community={moderated.slug}", data, follow=True)


def test_the_preview_warns_of_a_mentioned_outsider_before_publishing(client, cast, moderated):  # noqa: F811
    client.force_login(cast["author"])
    response = _new_post(client, moderated, preview="1")
    page = page_of(response)
    preview = page.split('id="preview-heading"')[1]
    assert f"{WARNING}: outsider" in preview and "plain" not in preview.split(WARNING)[1].split("</p>")[0]
    assert '<input type="hidden" name="mentions_acknowledged" value="outsider">' in page
    assert not Post.objects.exists()


def test_publish_after_the_preview_does_not_repeat_the_warning(client, cast, moderated):  # noqa: F811
    client.force_login(cast["author"])
    response = _new_post(client, moderated, mentions_acknowledged="outsider")
    assert Post.objects.count() == 1
    assert not any(WARNING in m for m in _messages(response))


def test_publish_without_a_preview_still_warns(client, cast, moderated):  # noqa: F811
    client.force_login(cast["author"])
    response = _new_post(client, moderated)
    assert [m for m in _messages(response) if WARNING in m] == [f"{WARNING}: outsider"]


def test_the_preview_of_a_wiki_page_warns_too(client, cast, moderated):  # noqa: F811
    client.force_login(cast["author"])
    response = client.post(
        f"/communities/{moderated.slug}/wiki/new/",
        {
            "title": "Guide",
            "body": "Ask @outsider",
            "body_format": "markdown",
            "classification": "confidential",
            "preview": "1",
        },
    )
    assert f"{WARNING}: outsider" in page_of(response)
    assert not WikiPage.objects.exists()


def test_an_edit_that_changes_nothing_about_the_mentions_warns_no_more(cast, moderated):  # noqa: F811
    post, warnings = services.post_create(
        actor=cast["author"],
        community=moderated,
        title="Hello",
        body="Hi @outsider",
        body_format="markdown",
        classification=Level.CONFIDENTIAL,
    )
    assert warnings == [f"{WARNING}: outsider"]
    post, warnings = services.post_update(actor=cast["author"], post=post, body="Hi @outsider, again")
    assert warnings == []
    # A newly mentioned outsider is named, and only they.
    UserFactory(username="visitor")
    post, warnings = services.post_update(actor=cast["author"], post=post, body="Hi @outsider and @visitor")
    assert warnings == [f"{WARNING}: visitor"]


def test_an_edit_that_shuts_a_mentioned_person_out_warns_of_them(cast, moderated):  # noqa: F811
    room = CommunityFactory(visibility=Visibility.RESTRICTED, ceiling=Level.STRICTLY_CONFIDENTIAL)
    for name in ("author", "plain"):
        add_member(room, cast[name])
    post, warnings = services.post_create(
        actor=cast["author"],
        community=room,
        title="Plan",
        body="For @plain",
        body_format="markdown",
        classification=Level.CONFIDENTIAL,
    )
    assert warnings == []
    post, warnings = services.post_update(
        actor=cast["author"], post=post, body="For @plain", classification=Level.STRICTLY_CONFIDENTIAL, readers=[]
    )
    assert warnings == [f"{WARNING}: plain"]
    post, warnings = services.post_update(actor=cast["author"], post=post, body="For @plain, still")
    assert warnings == []


def test_the_edit_page_does_not_repeat_an_unchanged_warning(client, cast, moderated):  # noqa: F811
    post = publish(
        cast["author"], moderated, body="Hi @outsider", body_format="markdown", classification=Level.CONFIDENTIAL
    )
    client.force_login(cast["author"])
    response = client.post(
        f"/posts/{post.pk}/edit/",
        {"title": "Hello again", "body": "Hi @outsider", "body_format": "markdown", "classification": "confidential"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/posts/{post.pk}/"
    assert not any(WARNING in m for m in _messages(response))


def test_a_reader_editing_a_strictly_confidential_page_is_warned_only_of_those_outside_it(client, cast):  # noqa: F811
    room = CommunityFactory(visibility=Visibility.RESTRICTED, ceiling=Level.STRICTLY_CONFIDENTIAL)
    for name in ("owner", "author", "plain", "moderator"):
        add_member(room, cast[name])
    page, _ = services.wiki_create(
        actor=cast["author"],
        community=room,
        title="Case notes",
        body="Notes",
        body_format="markdown",
        classification=Level.STRICTLY_CONFIDENTIAL,
        readers=[cast["plain"], cast["owner"]],
    )
    client.force_login(cast["plain"])  # a named reader: edits the text, does not see the readers
    response = client.post(
        f"/communities/{room.slug}/wiki/{page.slug}/edit/",
        {"title": "Case notes", "body": "Ask @owner and @moderator", "body_format": "markdown", "preview": "1"},
    )
    preview = page_of(response).split('id="preview-heading"')[1]
    assert f"{WARNING}: moderator" in preview
    assert "owner" not in preview.split(WARNING)[1].split("</p>")[0]
