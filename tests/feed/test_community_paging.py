"""A community's front page (``/communities/<slug>/``) pages by keyset, through the home feed's
own ``feed.selectors.paginate``: no COUNT, no OFFSET, "Newer" / "Older" links, pages
that do not shift when posts arrive, a bad cursor is the first page, and a cursor is only a
position: one taken from a post the reader may not see shows what a cursor between its visible
neighbours shows, and nothing of that post."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feed.selectors import encode_cursor
from posts.models import Like
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

from .conftest import comment

URL = "/communities/busy/"


def newest_first(posts):
    return sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)


@pytest.fixture
def busy(db):
    """45 posts the member sees and, between them, posts they may not see: another author's
    pending post, a strictly confidential one without a grant, a withdrawn one. Ties on
    ``created_at`` (three posts a minute) are broken by id."""
    me, other = UserFactory(), UserFactory()
    community = CommunityFactory(slug="busy", visibility=Visibility.OPEN)
    add_member(community, me)
    add_member(community, other)
    now = timezone.now()
    visible, hidden = [], []
    for i in range(45):
        at = now - timedelta(minutes=i // 3)
        visible.append(PostFactory(community=community, author=other, title=f"Item {i:02d}", created_at=at))
        if i % 7 == 3:
            hidden.append(PostFactory(
                community=community, author=other, title=f"Secret {i:02d}", created_at=at,
                **[{"status": Status.PENDING}, {"classification": Level.STRICTLY_CONFIDENTIAL},
                   {"status": Status.WITHDRAWN}][len(hidden) % 3],
            ))
    return me, community, newest_first(visible), hidden


def get(client, query=""):
    response = client.get(URL + query)
    assert response.status_code == 200, response.status_code
    return response


def ids(response):
    return [p.pk for p in response.context["page"].items]


def shown(response):
    page = response.context["page"]
    return ids(response), page.next_cursor, page.previous_cursor


def test_older_links_walk_every_visible_post_once_in_order(busy, login):
    me, _community, visible, _hidden = busy
    client = login(me)
    seen, query, pages = [], "", 0
    while True:
        response = get(client, query)
        seen += ids(response)
        pages += 1
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        query = f"?cursor={cursor}"
    assert pages == 3
    assert seen == [p.pk for p in visible]


def test_newer_links_walk_back_to_the_first_page(busy, login):
    me, _community, visible, _hidden = busy
    client = login(me)
    first = get(client)
    assert first.context["page"].previous_cursor is None  # the newest page has no "Newer"
    second = get(client, f"?cursor={first.context['page'].next_cursor}")
    third = get(client, f"?cursor={second.context['page'].next_cursor}")
    assert ids(third) == [p.pk for p in visible[40:]]
    back = get(client, f"?before={third.context['page'].previous_cursor}")
    assert ids(back) == ids(second) == [p.pk for p in visible[20:40]]
    top = get(client, f"?before={back.context['page'].previous_cursor}")
    assert ids(top) == ids(first) == [p.pk for p in visible[:20]]
    assert top.context["page"].previous_cursor is None  # reached the top: the first page itself


def test_the_navigation_is_a_labelled_list_of_newer_and_older_links(busy, login):
    me, _community, _visible, _hidden = busy
    client = login(me)
    first = get(client)
    html = first.content.decode()
    assert '<nav class="pagination" aria-label="Post pages">' in html
    assert 'rel="next">Older posts</a>' in html and "Newer posts" not in html
    html = get(client, f"?cursor={first.context['page'].next_cursor}").content.decode()
    assert 'rel="prev">Newer posts</a>' in html and 'rel="next">Older posts</a>' in html
    assert ">Newest</a>" in html
    # The links keep the other parameters and carry one direction only.
    assert "?before=" in html and "cursor=" in html
    assert "before=" not in html.split('rel="prev"')[1].split('rel="next"')[0].split("</a>")[1]


def test_pages_do_not_shift_when_posts_arrive(busy, login):
    me, community, visible, _hidden = busy
    client = login(me)
    first = get(client)
    for i in range(7):  # newer posts while the reader is on page one
        PostFactory(community=community, title=f"New {i}")
    second = get(client, f"?cursor={first.context['page'].next_cursor}")
    assert ids(second) == [p.pk for p in visible[20:40]]
    # and "Newer" from page two is page one as it was read, not the seven new posts
    # (they are on the first page, reached by "Newest").
    back = get(client, f"?before={second.context['page'].previous_cursor}")
    assert ids(back) == [p.pk for p in visible[:20]]


@pytest.mark.parametrize("param", ["cursor", "before"])
@pytest.mark.parametrize("value", ["nonsense", "e30", "WyJ4IiwxXQ", "WyIyMDI2LTAxLTAxIiwiMSJd"])
def test_a_bad_cursor_is_the_first_page_never_an_error(busy, login, param, value):
    me, _community, visible, _hidden = busy
    assert ids(get(login(me), f"?{param}={value}")) == [p.pk for p in visible[:20]]


@pytest.mark.parametrize("param", ["cursor", "before"])
def test_a_nul_in_a_cursor_is_the_site_wide_400(busy, login, param):
    """Not a page at all: every route answers a NUL with 400 and its message (tests/core/test_nul_input.py)."""
    me, community, _visible, _hidden = busy
    response = login(me).get(f"/communities/{community.slug}/?{param}=%00")
    assert response.status_code == 400


def test_a_cursor_at_an_invisible_post_shows_what_its_visible_neighbours_show(busy, login):
    me, _community, visible, hidden = busy
    client = login(me)
    order = newest_first(visible + hidden)
    assert hidden
    for secret in hidden:
        at = order.index(secret)
        newer = next(p for p in reversed(order[:at]) if p in visible)  # its visible neighbours
        older = next(p for p in order[at + 1:] if p in visible)
        by_secret = get(client, f"?cursor={encode_cursor(secret)}")
        assert shown(by_secret) == shown(get(client, f"?cursor={encode_cursor(newer)}"))
        assert ids(by_secret)[0] == older.pk
        by_secret_before = get(client, f"?before={encode_cursor(secret)}")
        assert shown(by_secret_before) == shown(get(client, f"?before={encode_cursor(older)}"))
        for response in (by_secret, by_secret_before):
            assert secret.title not in response.content.decode()
            assert secret.pk not in ids(response)


def test_the_secret_posts_exist_for_someone_who_may_see_them(busy, login):
    # The control: the same world's pending post is on its author's pages.
    _me, _community, _visible, hidden = busy
    pending = next(p for p in hidden if p.status == Status.PENDING)
    client = login(pending.author)
    seen, query = [], ""
    while True:
        response = get(client, query)
        seen += ids(response)
        if not response.context["page"].next_cursor:
            break
        query = f"?cursor={response.context['page'].next_cursor}"
    assert pending.pk in seen


def test_the_community_page_sql_has_no_offset_and_no_count(busy, login):
    me, _community, _visible, _hidden = busy
    client = login(me)
    cursor = get(client).context["page"].next_cursor
    with CaptureQueriesContext(connection) as captured:
        get(client, f"?cursor={cursor}")
        get(client, f"?before={cursor}")
    post_sql = [q["sql"] for q in captured if 'FROM "posts_post"' in q["sql"]]  # the unread count
    # (posts_notification) is another matter: the page's own post reads are these.
    assert post_sql
    for sql in post_sql:
        assert "OFFSET" not in sql.upper()
        assert not sql.startswith('SELECT COUNT(*) AS "__count" FROM "posts_post"')


@pytest.mark.parametrize("n", [5, 60])
def test_every_page_of_the_community_costs_the_same_queries(db, login, n, django_assert_max_num_queries):
    me, liker = UserFactory(), UserFactory()
    community = CommunityFactory(slug="busy", visibility=Visibility.OPEN)
    add_member(community, me)
    posts = []
    for _ in range(n):
        post = PostFactory(community=community)
        Like.objects.create(post=post, user=liker)
        comment(post, liker)
        posts.append(post)
    client = login(me)
    client.get("/")  # the first request after signing in refreshes the session
    middle = encode_cursor(newest_first(posts)[n // 2])
    for query in ("", f"?cursor={middle}", f"?before={middle}"):
        with django_assert_max_num_queries(16):
            get(client, query)
