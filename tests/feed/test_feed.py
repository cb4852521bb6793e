"""The home feed (SPEC §2.5, §6): `/` and `GET /api/v1/feed/` show only what
the access rule lets me see, of my communities and of the people I follow;
keyset-paginated; a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Membership, Role
from feed.models import Follow
from feed.selectors import decode_cursor, encode_cursor
from posts.models import Like
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Status, Visibility

from .conftest import comment


def api_titles(api, user, url="/api/v1/feed/"):
    response = api(user).get(url)
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


def page_of(login, user, url="/"):
    response = login(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- what the feed holds --------------------------------------------------------------------


def test_feed_shows_my_communities_and_followed_authors_in_open_communities(world, api, login):
    titles = api_titles(api, world.me)
    assert "Visible in my circle" in titles
    assert "Strictly granted" in titles
    assert "Followed in open" in titles
    page = page_of(login, world.me)
    for title in ("Visible in my circle", "Strictly granted", "Followed in open"):
        assert title in page


@pytest.mark.parametrize(
    "case",
    [
        "hidden",
        "pending",
        "withdrawn",
        "strictly_confidential",
        "moderated_non_member",
        "restricted_non_member",
        "confidential_non_member",
    ],
)
@pytest.mark.parametrize("scope", ["", "?scope=open"])
def test_feed_hides_what_the_rule_hides(world, api, login, case, scope):
    title = world.hidden[case].title
    assert title not in api_titles(api, world.me, f"/api/v1/feed/{scope}")
    assert title not in page_of(login, world.me, f"/{scope}")


def test_feed_leaves_out_open_communities_i_am_not_in_and_people_i_do_not_follow(world, api):
    elsewhere = CommunityFactory(visibility=Visibility.OPEN)
    PostFactory(community=elsewhere, title="Open but not mine")
    assert "Open but not mine" not in api_titles(api, world.me)
    assert "Open but not mine" in api_titles(api, world.me, "/api/v1/feed/?scope=open")


def test_open_scope_lists_only_open_communities(world, api):
    titles = api_titles(api, world.me, "/api/v1/feed/?scope=open")
    assert titles == ["Followed in open"]


def test_an_author_sees_their_own_pending_post_marked(world, api, login):
    mine = PostFactory(
        community=world.mine, author=world.me, title="My pending", status=Status.PENDING
    )
    item = next(
        i for i in api(world.me).get("/api/v1/feed/").json()["results"] if i["id"] == mine.pk
    )
    assert item["status"] == "pending"
    assert "Pending moderation" in page_of(login, world.me)


def test_unfollowing_removes_the_followed_authors_posts(world, api):
    Follow.objects.filter(follower=world.me).delete()
    assert "Followed in open" not in api_titles(api, world.me)


def test_an_expired_membership_ends_the_feed_at_once(world, api):
    Membership.objects.filter(user=world.me, content_object=world.mine).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    titles = api_titles(api, world.me)
    assert "Visible in my circle" not in titles
    assert "Strictly granted" not in titles


def test_feed_item_fields_and_counts_of_visible_comments(world, api):
    Like.objects.create(post=world.visible, user=world.other)
    Like.objects.create(post=world.visible, user=world.me)
    items = {i["id"]: i for i in api(world.me).get("/api/v1/feed/").json()["results"]}
    item = items[world.visible.pk]
    assert set(item) >= {
        "id",
        "title",
        "community",
        "classification",
        "author",
        "created_at",
        "like_count",
        "comment_count",
        "url",
    }
    assert item["community"] == "my-circle"
    assert item["classification"] == "unclassified"
    assert item["author"] == world.other.username
    assert item["like_count"] == 2
    # visible + (not withdrawn, not hidden to a plain member)
    assert item["comment_count"] == 1
    # The absolute URL, as ``request.build_absolute_uri`` writes it, for every item of the page.
    assert item["url"] == f"http://testserver/posts/{world.visible.pk}/"
    assert all(i["url"] == f"http://testserver/posts/{pk}/" for pk, i in items.items())


def test_a_moderator_counts_the_hidden_comment_a_member_does_not(world, api):
    moderator = UserFactory()
    add_member(world.mine, moderator, Role.MODERATOR)
    items = {i["id"]: i for i in api(moderator).get("/api/v1/feed/").json()["results"]}
    assert items[world.visible.pk]["comment_count"] == 2


def test_home_page_shows_counts_badge_and_my_communities(world, login):
    comment(world.visible, world.other)
    page = page_of(login, world.me)
    assert "2 comments" in page
    assert "0 recommendations" in page
    assert 'class="badge badge--strictly_confidential"' in page
    assert "My circle" in page


def test_anonymous_gets_no_feed(client, api, db):
    assert client.get("/").status_code == 302
    assert api().get("/api/v1/feed/").status_code in (401, 403)


# --- keyset pagination ----------------------------------------------------------------------


@pytest.fixture
def long_feed(db):
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    now = timezone.now()
    # Ties on created_at are broken by id: five posts share each timestamp.
    posts = [
        PostFactory(
            community=community, title=f"Item {i:02d}", created_at=now - timedelta(minutes=i // 5)
        )
        for i in range(45)
    ]
    return user, posts


def test_api_pages_follow_next_without_duplicates_or_gaps(long_feed, api):
    user, posts = long_feed
    client = api(user)
    seen, url, pages = [], "/api/v1/feed/", 0
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    expected = [p.pk for p in sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)]
    assert seen == expected


def test_next_keeps_the_scope_and_is_null_on_the_last_page(long_feed, api):
    user, _posts = long_feed
    body = api(user).get("/api/v1/feed/?scope=open").json()
    assert "scope=open" in body["next"] and "cursor=" in body["next"]
    last = api(user).get(body["next"]).json()
    last = api(user).get(last["next"]).json()
    assert last["next"] is None and len(last["results"]) == 5


def test_cursor_is_opaque_base64_of_created_at_and_id(long_feed):
    _user, posts = long_feed
    cursor = encode_cursor(posts[3])
    assert ":" not in cursor and "=" not in cursor
    assert decode_cursor(cursor) == (posts[3].created_at, posts[3].pk)


@pytest.mark.parametrize("cursor", ["nonsense", "e30", "WyJ4IiwxXQ"])
def test_a_bad_cursor_is_400_in_the_api_and_the_first_page_in_html(long_feed, api, login, cursor):
    user, _posts = long_feed
    response = api(user).get(f"/api/v1/feed/?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()
    assert login(user).get(f"/?cursor={cursor}").status_code == 200


def test_an_unknown_scope_is_400(long_feed, api):
    assert api(long_feed[0]).get("/api/v1/feed/?scope=everything").status_code == 400


def test_home_page_older_posts_link_continues_the_feed(long_feed, login):
    user, posts = long_feed
    client = login(user)
    first = client.get("/")
    html = first.content.decode()
    assert "Older posts" in html
    cursor = first.context["page"].next_cursor
    second = client.get(f"/?cursor={cursor}")
    first_ids = [p.pk for p in first.context["page"].items]
    second_ids = [p.pk for p in second.context["page"].items]
    assert len(first_ids) == 20 and len(second_ids) == 20
    assert not set(first_ids) & set(second_ids)


def test_feed_sql_uses_no_offset_and_no_count_of_the_whole_feed(
    long_feed, api, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, _posts = long_feed
    client = api(user)
    url = client.get("/api/v1/feed/").json()["next"]
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    feed_sql = [q["sql"] for q in captured if 'FROM "posts_post"' in q["sql"]]
    assert feed_sql
    for sql in feed_sql:
        assert "OFFSET" not in sql.upper()
        assert not sql.upper().startswith("SELECT COUNT")


# --- constant queries -----------------------------------------------------------------------


def _feed_of_size(n):
    user = UserFactory()
    communities = [CommunityFactory() for _ in range(3)]
    for c in communities:
        add_member(c, user)
    followed = UserFactory()
    Follow.objects.create(follower=user, followed=followed)
    liker = UserFactory()
    for i in range(n):
        author = {"author": followed} if i % 4 == 0 else {}
        post = PostFactory(community=communities[i % 3], **author)
        comment(post, liker)
        Like.objects.create(post=post, user=liker)
    return user


@pytest.mark.parametrize("n", [5, 50])
def test_feed_page_queries_are_constant(db, login, n, django_assert_max_num_queries):
    client = login(_feed_of_size(n))
    # session, user, terms, feed sources, feed, its communities and authors (2), unread count,
    # my communities, the session's idle-timeout refresh (3: first request after signing in)
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["page"].items) == min(n, 20)


@pytest.mark.parametrize("n", [5, 50])
def test_feed_api_queries_are_constant(db, api, n, django_assert_max_num_queries):
    client = api(_feed_of_size(n))
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/feed/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(n, 20)


# --- follow / unfollow ----------------------------------------------------------------------


def test_follow_and_unfollow_by_post(login, user, make_user):
    pal = make_user()
    client = login(user)
    response = client.post(f"/people/{pal.username}/follow/")
    assert response.status_code == 302
    assert Follow.objects.filter(follower=user, followed=pal).exists()
    client.post(f"/people/{pal.username}/follow/")  # idempotent
    assert Follow.objects.filter(follower=user, followed=pal).count() == 1
    client.post(f"/people/{pal.username}/unfollow/", {"next": "/"})
    assert not Follow.objects.filter(follower=user, followed=pal).exists()


def test_follow_needs_post_and_a_real_person_and_not_oneself(login, user):
    client = login(user)
    assert client.get(f"/people/{user.username}/follow/").status_code == 405
    assert client.post("/people/nobody-here/follow/").status_code == 404
    client.post(f"/people/{user.username}/follow/")
    assert not Follow.objects.exists()


def test_follow_redirect_ignores_an_offsite_next(login, user, make_user):
    pal = make_user()
    response = login(user).post(
        f"/people/{pal.username}/follow/", {"next": "https://evil.example/"}
    )
    assert "evil" not in response["Location"]
