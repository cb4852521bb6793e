"""Search's top k from the index (migration posts/0018, feed/search.py ``ranked_by_index``): with
the ``rum`` extension each kind is read best first from its RUM index; without it (or on SQLite)
the GIN match is ranked with ``ts_rank``. Both give the same one-word ranking, both go through
the access rule row by row, and pagination is the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feed import search as search_module
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Visibility

from .conftest import WORD, comment, wiki

POSTGRES = connection.vendor == "postgresql"


def _rum_installed():
    """Whether migration posts/0018 could create the extension: rum installed on the server and the
    role a superuser (rum is not a trusted extension). Else it must have fallen back."""
    if not POSTGRES:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') "
            "AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
        )
        return cursor.fetchone()[0]


MODES = [
    pytest.param("gin", id="gin-ts_rank"),
    pytest.param(
        "rum",
        id="rum-index",
        marks=pytest.mark.skipif(not POSTGRES, reason="RUM needs DATABASE_URL=postgres://…"),
    ),
]


@pytest.fixture
def mode(request, db, monkeypatch):
    """Search in the given mode: 'gin' forces the ts_rank fallback; 'rum' needs the indexes."""
    if request.param == "rum":
        if not _rum_installed():
            pytest.skip("the rum extension is not installed on this PostgreSQL server")
        assert search_module.ranked_by_index(), "migration posts/0018 did not create the RUM indexes"
    else:
        monkeypatch.setattr(search_module, "ranked_by_index", lambda: False)
    return request.param


def _results(api, user, query):
    response = api(user).get(f"/api/v1/search/?{query}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.skipif(not POSTGRES, reason="the RUM indexes exist on PostgreSQL only")
def test_the_migration_creates_the_rum_indexes_where_the_extension_is(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(to_regclass(name)) FROM unnest(%s::text[]) AS name",
            [list(search_module.RUM_INDEXES.values())],
        )
        present = cursor.fetchone()[0]
    assert present == (3 if _rum_installed() else 0)
    assert search_module.ranked_by_index() is _rum_installed()


@pytest.mark.skipif(not POSTGRES, reason="the RUM indexes exist on PostgreSQL only")
def test_with_rum_the_search_orders_by_the_index_distance(db, api):
    if not _rum_installed():
        pytest.skip("the rum extension is not installed on this PostgreSQL server")
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    PostFactory(community=community, body=f"<p>{WORD}</p>")
    with CaptureQueriesContext(connection) as queries:
        assert len(_results(api, user, f"q={WORD}")["results"]) == 1
    ranking = [q["sql"] for q in queries.captured_queries if "<=>" in q["sql"]]
    assert len(ranking) == 3  # one per kind: posts, comments, wiki pages
    for sql in ranking:  # by the distance alone, so that the index is read in order
        order = sql.split("ORDER BY")[-1].split("LIMIT")[0]
        assert ("distance" in order or "<=>" in order) and "created_at" not in order, order


def test_sqlite_and_no_rum_rank_without_the_index(db, settings):
    if POSTGRES:
        pytest.skip("SQLite only")
    assert search_module.ranked_by_index() is False


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_one_word_ranking_title_over_body_more_occurrences_first_then_newest(mode, db, api):
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    once = PostFactory(community=community, title="Minutes", body=f"<p>The {WORD} report.</p>")
    newer_once = PostFactory(community=community, title="Notes", body=f"<p>A {WORD} note.</p>")
    thrice = PostFactory(community=community, title="Digest", body=f"<p>{WORD}, more {WORD}, and {WORD} again.</p>")
    titled = PostFactory(community=community, title=f"{WORD.title()} survey", body="<p>Plan.</p>")
    results = _results(api, user, f"q={WORD}&type=post")["results"]
    ids = [r["id"] for r in results]
    if POSTGRES and mode == "rum":  # the same ranks; equal ones in the index's order
        assert ids[:2] == [titled.pk, thrice.pk] and set(ids[2:]) == {newer_once.pk, once.pk}
        assert results[2]["id"] == _results(api, user, f"q={WORD}&type=post")["results"][2]["id"]  # stable
    elif POSTGRES:  # ts_rank: A (title) 1.0 > three B occurrences > one B; ties newest first
        assert ids == [titled.pk, thrice.pk, newer_once.pk, once.pk]
    else:  # icontains fallback: title hits above body hits, then newest
        assert ids[0] == titled.pk and set(ids) == {once.pk, newer_once.pk, thrice.pk, titled.pk}


@pytest.mark.skipif(not POSTGRES, reason="compares two PostgreSQL rankings")
def test_rum_ranks_one_word_as_ts_rank_does(db, api, monkeypatch):
    if not _rum_installed():
        pytest.skip("the rum extension is not installed on this PostgreSQL server")
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    for i in range(6):
        PostFactory(
            community=community, title=f"{WORD} {i}" if i % 2 else "Plain", body=f"<p>{' '.join([WORD] * i)} x</p>"
        )
        wiki(community, user, f"Page {i}", body=f"<p>{' '.join([WORD] * (i + 1))}</p>")
    from feed.search import search

    by_index = [(r.type, r.id, round(r.rank, 5)) for r in search(user, {"q": WORD}).results]
    monkeypatch.setattr(search_module, "ranked_by_index", lambda: False)
    by_ts_rank = [(r.type, r.id, round(r.rank, 5)) for r in search(user, {"q": WORD}).results]
    # The same order; RUM's rank of an OR query is not divided by its number of words as
    # ts_rank's is (the query is the searcher's language OR 'simple': two words here), so the
    # ranks differ by that constant factor within one query.
    assert [key for *key, _rank in by_index] == [key for *key, _rank in by_ts_rank]
    assert len(by_index) == 11  # the post with no word is not found
    ratios = {round(a[2] / b[2], 3) for a, b in zip(by_index, by_ts_rank, strict=True)}
    assert ratios == {2.0}


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_best_ranked_invisible_rows_are_neither_shown_nor_counted(mode, db, api):
    """The best matches are in a community I may not see: the top k still holds only rows I may
    see, every page is full until the last, and 'next' does not betray the hidden ones."""
    me, owner = UserFactory(), UserFactory()
    mine = CommunityFactory()
    closed = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(mine, me)
    add_member(closed, owner)
    hidden = [
        PostFactory(community=closed, author=owner, title=f"{WORD} {WORD}", body=f"<p>{WORD} {WORD} {WORD}</p>")
        for _ in range(30)
    ]
    for post in hidden[:5]:
        comment(post, owner, body=f"<p>{WORD} {WORD} {WORD}</p>")
    wiki(closed, owner, f"{WORD.title()} secrets", body=f"<p>{WORD} {WORD}</p>")
    visible = [PostFactory(community=mine, body=f"<p>{WORD} {i}</p>") for i in range(25)]
    first = _results(api, me, f"q={WORD}")
    second = _results(api, me, f"q={WORD}&page=2")
    assert len(first["results"]) == 20 and first["next"] is not None
    assert len(second["results"]) == 5 and second["next"] is None
    ids = [(r["type"], r["id"]) for r in first["results"] + second["results"]]
    assert sorted(ids) == sorted(("post", p.pk) for p in visible)
    # An owner of the closed community finds its items first (they rank best).
    top = _results(api, owner, f"q={WORD}")["results"]
    assert {r["id"] for r in top if r["type"] == "post"} <= {p.pk for p in hidden}


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_the_access_rule_world_is_found_alike_in_both_modes(mode, world, api):
    response = _results(api, world.me, f"q={WORD}")
    found = {(r["type"], r["id"]) for r in response["results"]}
    for post in world.hidden.values():
        assert ("post", post.pk) not in found
    for key, hidden in world.comments.items():
        assert key == "visible" or ("comment", hidden.pk) not in found
    for key, page in world.wikis.items():
        assert key == "visible" or ("wiki", page.pk) not in found
    controls = {
        ("post", world.visible.pk),
        ("post", world.granted.pk),
        ("post", world.followed_open.pk),
        ("comment", world.comments["visible"].pk),
        ("wiki", world.wikis["visible"].pk),
    }
    assert controls <= found
