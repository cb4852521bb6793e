"""A feed worth opening (SPEC §2.5): cards with an excerpt of the sanitized body and their
recommendation and comment counts, at a constant number of queries; a composer on home; empty
states that say why ("Join this community to see its posts"); and a pre-moderated community's
post form says posts wait for approval before anyone types."""

import re

import pytest

from communities.models import Role
from posts.models import Like
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility
from unisocial.excerpts import plain_excerpt

from .conftest import comment

pytestmark = pytest.mark.django_db

BODY = "<p>Field <strong>notes</strong> &amp; water <a href='https://example.org'>data</a>.</p>" + (
    "<p>" + "More lines of text. " * 40 + "</p>"
)


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def circle():
    me, author, other = UserFactory(username="me"), UserFactory(username="author"), UserFactory()
    community = CommunityFactory(name="Water circle", slug="water-circle", visibility=Visibility.OPEN)
    for user in (me, author, other):
        add_member(community, user)
    post = PostFactory(community=community, author=author, title="Field notes", body=BODY)
    Like.objects.create(post=post, user=other)
    Like.objects.create(post=post, user=me)
    comment(post, other, "<p>Seen</p>")
    comment(post, other, "<p>Hidden one</p>", status=Status.HIDDEN)  # not counted for me
    return me, community, post


def test_an_excerpt_is_plain_text_cut_at_a_word():
    text = plain_excerpt(BODY)
    assert text.startswith("Field notes & water data. More lines")
    assert "<" not in text and "&amp;" not in text
    assert len(text) <= 240 and text.endswith("…")
    assert plain_excerpt("<p>Short.</p>") == "Short."


@pytest.mark.parametrize("url", ["/", "/communities/water-circle/", "/people/author/"])
def test_cards_show_an_excerpt_and_the_counts_i_may_see(circle, login, url):
    me, _community, _post = circle
    html = html_of(login(me), url)
    assert "Field notes &amp; water data. More lines of text." in html  # escaped as text
    assert "<strong>notes</strong>" not in html
    assert "2 recommendations" in html
    assert "1 comment<" in html  # the hidden comment is not counted


def test_the_feed_api_gives_the_excerpt(circle, api):
    me, _community, _post = circle
    item = api(me).get("/api/v1/feed/").json()["results"][0]
    assert item["excerpt"].startswith("Field notes & water data.")
    assert (item["like_count"], item["comment_count"]) == (2, 1)


@pytest.mark.parametrize("n", [3, 30])
def test_a_community_page_with_cards_costs_the_same_for_3_posts_as_for_30(db, login, n, django_assert_max_num_queries):
    me, liker = UserFactory(), UserFactory()
    community = CommunityFactory(slug="busy", visibility=Visibility.OPEN)
    add_member(community, me)
    for _ in range(n):
        post = PostFactory(community=community, body=BODY)
        Like.objects.create(post=post, user=liker)
        comment(post, liker)
    client = login(me)
    client.get("/")  # the first request after signing in refreshes the session
    with django_assert_max_num_queries(16):
        html = html_of(client, "/communities/busy/")
    assert html.count('class="card__excerpt"') == min(n, 20)


def test_home_has_a_composer_for_the_communities_i_may_post_in(db, login):
    me = UserFactory()
    mine = CommunityFactory(name="Mine", slug="mine", visibility=Visibility.OPEN)
    archived = CommunityFactory(name="Old archive", slug="old-archive", is_archived=True)
    CommunityFactory(name="Not mine", slug="not-mine", visibility=Visibility.OPEN)
    add_member(mine, me)
    add_member(archived, me)
    html = html_of(login(me), "/")
    composer = html.split('class="composer"', 1)[1].split("</section>", 1)[0]
    assert 'action="/posts/new/"' in composer and "Write a post" in composer
    assert 'value="mine"' in composer
    assert 'value="old-archive"' not in composer and 'value="not-mine"' not in composer
    assert 'name="title"' in composer
    # One click from home: the composer's choice opens the post form of that community, its title typed.
    form = html_of(login(me), "/posts/new/?community=mine&title=Water+levels")
    assert "New post in <bdi>Mine</bdi>" in form and 'value="Water levels"' in form


def test_home_without_communities_points_to_the_directory(db, login):
    html = html_of(login(UserFactory()), "/")
    assert "Join a community to post in it." in html and 'name="community"' not in html


@pytest.mark.parametrize("has_posts", [True, False])
def test_a_non_member_of_a_moderated_community_is_told_to_join_whether_or_not_it_has_posts(db, login, has_posts):
    owner, outsider = UserFactory(), UserFactory()
    community = CommunityFactory(name="Field security", slug="field", visibility=Visibility.MODERATED)
    add_member(community, owner, Role.OWNER)
    if has_posts:
        PostFactory(community=community, author=owner, title="Members only briefing")
        PostFactory(community=community, author=owner, classification=Level.CONFIDENTIAL)
    html = html_of(login(outsider), "/communities/field/")
    assert "Join this community to see its posts." in html
    assert "No posts" not in html and "Members only briefing" not in html
    assert html.count("Request to join") == 1  # the control sits in the empty state
    assert 'action="/communities/field/join/"' in html


def test_the_empty_state_of_a_non_member_is_the_same_with_and_without_posts(db, login):
    """No count oracle: a non-member cannot tell an empty community from a busy one."""
    owner, outsider = UserFactory(), UserFactory()
    pages = []
    for slug, n in (("xq-first", 0), ("xq-second", 3)):
        community = CommunityFactory(name="Same name", slug=slug, visibility=Visibility.MODERATED)
        add_member(community, owner, Role.OWNER)
        for _ in range(n):
            PostFactory(community=community, author=owner)
        html = html_of(login(outsider), f"/communities/{slug}/")
        main = html.split('id="posts-heading"', 1)[1].split('id="wiki-heading"', 1)[0]
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main.replace(slug, "SLUG")))
    assert pages[0] == pages[1], pages


def test_a_member_of_an_empty_community_is_invited_to_write(db, login):
    me = UserFactory()
    community = CommunityFactory(slug="quiet", visibility=Visibility.MODERATED)
    add_member(community, me)
    html = html_of(login(me), "/communities/quiet/")
    assert "No posts yet. Start the conversation" in html
    assert "Join this community to see its posts." not in html


def test_a_pending_request_is_said_in_the_empty_state(db, login):
    from communities.models import JoinRequest

    me, owner = UserFactory(), UserFactory()
    community = CommunityFactory(slug="asked", visibility=Visibility.MODERATED)
    add_member(community, owner, Role.OWNER)
    JoinRequest.objects.create(community=community, user=me)
    html = html_of(login(me), "/communities/asked/")
    assert "Join this community to see its posts." in html
    assert html.count("waiting for an owner") == 1 and "Request to join" not in html


@pytest.mark.parametrize("role, told", [(Role.MEMBER, True), (Role.MODERATOR, False), (Role.OWNER, False)])
def test_a_pre_moderated_community_post_form_says_posts_wait_for_approval(db, login, role, told):
    me = UserFactory()
    community = CommunityFactory(slug="vetted", visibility=Visibility.MODERATED, premoderation=True)
    add_member(community, me, role)
    html = html_of(login(me), "/posts/new/?community=vetted")
    assert ("Posts in this community wait for a moderator's approval." in html) is told


def test_a_community_without_pre_moderation_says_nothing_of_approval(db, login):
    me = UserFactory()
    community = CommunityFactory(slug="free", visibility=Visibility.MODERATED)
    add_member(community, me)
    assert "approval" not in html_of(login(me), "/posts/new/?community=free")
