"""Search (SPEC §2.2, §6): `/search/?q=` and `GET /api/v1/search/?q=` find
posts, comments and wiki pages — only those the access rule lets me see —
ranked, with escaped, highlighted snippets; filters; bounded pagination;
a constant number of queries."""

import pytest
from django.db import connection

from communities.models import Role
from feed.search import MAX_QUERY_LENGTH, excerpt, marked
from posts.models import Tag
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Visibility

from .conftest import WORD, comment, wiki


def api_results(api, user, query=f"q={WORD}"):
    response = api(user).get(f"/api/v1/search/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def found(api, user, query=f"q={WORD}"):
    return {(r["type"], r["id"]) for r in api_results(api, user, query)}


def page_html(login, user, query=f"q={WORD}"):
    response = login(user).get(f"/search/?{query}")
    assert response.status_code == 200
    return response.content.decode()


# --- visibility -----------------------------------------------------------------------------


def test_search_finds_visible_posts_comments_and_wiki_pages(world, api, login):
    results = found(api, world.me)
    assert ("post", world.visible.pk) in results
    assert ("post", world.granted.pk) in results
    assert ("post", world.followed_open.pk) in results  # open community: everyone
    assert ("comment", world.comments["visible"].pk) in results
    assert ("wiki", world.wikis["visible"].pk) in results
    page = page_html(login, world.me)
    assert "Visible in my circle" in page and "Visible wiki" in page


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
def test_search_hides_posts_the_rule_hides(world, api, login, case):
    post = world.hidden[case]
    assert ("post", post.pk) not in found(api, world.me)
    assert post.title not in page_html(login, world.me)


@pytest.mark.parametrize(
    "case", ["of_hidden_post", "of_sc_post", "of_restricted_post", "withdrawn", "hidden"]
)
def test_search_hides_comments_the_rule_hides(world, api, login, case):
    hidden = world.comments[case]
    assert ("comment", hidden.pk) not in found(api, world.me)
    assert f'#comment-{hidden.pk}"' not in page_html(login, world.me)


@pytest.mark.parametrize("case", ["strictly_confidential", "restricted_non_member", "withdrawn"])
def test_search_hides_wiki_pages_the_rule_hides(world, api, login, case):
    page = world.wikis[case]
    assert ("wiki", page.pk) not in found(api, world.me)
    assert page.title not in page_html(login, world.me)


def test_the_author_and_an_owner_find_what_a_member_may_not(world, api):
    owner_sees = found(api, world.other)  # owner of every community
    assert ("post", world.hidden["strictly_confidential"].pk) in owner_sees
    assert ("wiki", world.wikis["strictly_confidential"].pk) in owner_sees
    assert ("post", world.hidden["withdrawn"].pk) not in owner_sees


def test_a_comments_result_carries_its_posts_title_level_and_link(world, api):
    item = next(r for r in api_results(api, world.me) if r["type"] == "comment")
    assert item["title"] == "Visible in my circle"
    assert item["community"] == "my-circle"
    assert item["classification"] == "unclassified"
    assert item["url"].endswith(f"/posts/{world.visible.pk}/?comment={item['id']}#comment-{item['id']}")


def test_result_fields(world, api):
    item = next(r for r in api_results(api, world.me) if r["type"] == "wiki")
    assert set(item) >= {"type", "id", "title", "community", "classification", "snippet", "url"}
    assert item["url"].endswith("/communities/my-circle/wiki/visible-wiki/")


# --- filters --------------------------------------------------------------------------------


def test_filter_by_type(world, api):
    assert {t for t, _ in found(api, world.me, f"q={WORD}&type=comment")} == {"comment"}
    assert {t for t, _ in found(api, world.me, f"q={WORD}&type=wiki")} == {"wiki"}


def test_filter_by_community_and_level(world, api):
    in_open = found(api, world.me, f"q={WORD}&community=open-water")
    assert in_open == {("post", world.followed_open.pk)}
    secret = found(api, world.me, f"q={WORD}&classification=strictly_confidential")
    assert secret == {("post", world.granted.pk)}
    # a community I may not see answers like one that does not exist
    assert found(api, world.me, f"q={WORD}&community=closed") == set()


def test_filter_by_tag_gives_tagged_posts_only(world, api):
    tag = Tag.objects.create(name="Rivers", slug="rivers")
    world.visible.tags.add(tag)
    world.hidden["strictly_confidential"].tags.add(tag)
    assert found(api, world.me, f"q={WORD}&tag=rivers") == {("post", world.visible.pk)}


@pytest.mark.parametrize("query", ["type=video", "classification=secret", "page=0", "page=999"])
def test_bad_filters_are_400(world, api, query):
    assert api(world.me).get(f"/api/v1/search/?q={WORD}&{query}").status_code == 400


# --- empty and long queries -----------------------------------------------------------------


def test_empty_query_gives_no_results_and_no_error(world, api, login):
    assert api_results(api, world.me, "q=") == []
    assert api_results(api, world.me, "") == []
    assert "Nothing found" not in page_html(login, world.me, "")
    assert page_html(login, world.me, "q=+") is not None


def test_very_long_query_is_400_in_the_api_and_a_form_error_on_the_page(world, api, login):
    q = "x" * (MAX_QUERY_LENGTH + 1)
    response = api(world.me).get(f"/api/v1/search/?q={q}")
    assert response.status_code == 400
    assert "q" in response.json()
    page = page_html(login, world.me, f"q={q}")
    assert 'class="error-summary"' in page


# --- ranking and snippets (any database) ----------------------------------------------------


@pytest.fixture
def ranked(db):
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    body_only = PostFactory(
        community=community, title="Minutes", body="<p>We discussed aquifer levels.</p>"
    )
    in_title = PostFactory(community=community, title="Aquifer recharge", body="<p>Notes.</p>")
    return user, in_title, body_only


def test_a_title_match_ranks_above_a_body_match(ranked, api):
    user, in_title, body_only = ranked
    ids = [r["id"] for r in api_results(api, user, "q=aquifer")]
    assert ids == [in_title.pk, body_only.pk]


def test_snippet_marks_the_match(ranked, api):
    user, _in_title, body_only = ranked
    item = next(r for r in api_results(api, user, "q=aquifer") if r["id"] == body_only.pk)
    assert "<mark>aquifer</mark>" in item["snippet"].lower()
    assert "<p>" not in item["snippet"]


def test_fallback_excerpt_is_escaped_and_cut_around_the_first_match():
    body = "<p>" + "filler " * 60 + "the &lt;b&gt;Aquifer&lt;/b&gt; & wells</p>"
    snippet = excerpt(body, ["aquifer"])
    assert snippet.startswith("… ")
    assert "<mark>Aquifer</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet
    assert "&amp; wells" in snippet


def test_marked_escapes_everything_but_balanced_marks():
    assert marked("a \x02<b>\x03 \x03c\x02") == "a <mark>&lt;b&gt;</mark> c<mark></mark>"


def test_search_pagination_is_bounded_and_has_no_duplicates(db, api):
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    posts = [PostFactory(community=community, body=f"<p>{WORD} {i}</p>") for i in range(25)]
    first = api(user).get(f"/api/v1/search/?q={WORD}").json()
    assert len(first["results"]) == 20 and first["previous"] is None
    second = api(user).get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert second["previous"] is not None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert sorted(ids) == sorted(p.pk for p in posts)


# --- XSS ------------------------------------------------------------------------------------


def test_no_markup_from_bodies_or_queries_reaches_the_page(db, login, api):
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    # Stored unsanitized on purpose: the snippet must be safe whatever the body holds.
    PostFactory(
        community=community,
        title="Pump notice",
        body="<p>pump station</p><img src=x onerror=alert(1)><script>alert(2)</script>",
    )
    PostFactory(
        community=community,
        title="Escaped",
        body="<p>pump &lt;script&gt;alert(3)&lt;/script&gt;</p>",
    )
    for q in ["pump", "<script>"]:
        page = login(user).get("/search/", {"q": q}).content.decode().lower()
        assert "<script>" not in page and "alert(3)</script>" not in page  # only the site's <script src=…>
        assert "onerror" not in page
        assert "<img" not in page
    page = login(user).get("/search/", {"q": "<img src=x onerror=alert(1)>"}).content.decode()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page  # echoed, escaped
    page = login(user).get("/search/", {"q": "pump"}).content.decode()
    assert "&lt;script&gt;" in page
    for result in api(user).get("/api/v1/search/", {"q": "pump"}).json()["results"]:
        assert "<script" not in result["snippet"] and "onerror" not in result["snippet"]


# --- constant queries -----------------------------------------------------------------------


def _search_world(n):
    user = UserFactory()
    owner = UserFactory()
    communities = [
        CommunityFactory(visibility=v)
        for v in (Visibility.OPEN, Visibility.MODERATED, Visibility.RESTRICTED)
    ]
    for c in communities:
        add_member(c, user)
        add_member(c, owner, Role.OWNER)
    for i in range(n):
        c = communities[i % 3]
        post = PostFactory(community=c, author=owner, body=f"<p>{WORD} {i}</p>")
        comment(post, owner)
        wiki(c, owner, f"Page {i}")
    return user


@pytest.mark.parametrize("n", [5, 50])
def test_search_page_queries_are_constant(db, login, n, django_assert_max_num_queries):
    client = login(_search_world(n))
    # session, user, terms (2), unread count, my communities, 3 rank + 3 load, session save (3)
    with django_assert_max_num_queries(15):
        response = client.get(f"/search/?q={WORD}")
    assert response.status_code == 200
    assert len(response.context["page"].results) == min(3 * n, 20)


@pytest.mark.parametrize("n", [5, 50])
def test_search_api_queries_are_constant(db, api, n, django_assert_max_num_queries):
    client = api(_search_world(n))
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/search/?q={WORD}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(3 * n, 20)


# --- PostgreSQL full-text search ------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (websearch_to_tsquery, ts_rank, ts_headline) "
    "needs DATABASE_URL=postgres://…",
)
def test_postgres_full_text_search_is_stemmed_ranked_and_highlighted(db, api, login):
    user = UserFactory()
    community = CommunityFactory()
    add_member(community, user)
    title_hit = PostFactory(community=community, title="Flooding reports", body="<p>Summary.</p>")
    body_hit = PostFactory(
        community=community,
        title="Weekly minutes",
        body="<p>The team <strong>reported</strong> flooding near the <em>river</em> bank.</p>",
    )
    PostFactory(community=community, title="Drought", body="<p>Dry river reported.</p>")
    wiki_hit = wiki(community, user, "River gauges", body="<p>How we report floods.</p>")

    # websearch syntax: stemming (reports ~ reported ~ report), a required word, an exclusion
    results = api_results(api, user, "q=flood report -drought")
    ids = [(r["type"], r["id"]) for r in results]
    assert ids[0] == ("post", title_hit.pk)  # title (weight A) above body (weight B)
    assert set(ids) == {("post", title_hit.pk), ("post", body_hit.pk), ("wiki", wiki_hit.pk)}

    snippet = next(r["snippet"] for r in results if r["id"] == body_hit.pk and r["type"] == "post")
    assert "<mark>reported</mark>" in snippet and "<mark>flooding</mark>" in snippet
    assert "<strong>" not in snippet and "<em>" not in snippet  # tags stripped before the headline

    page = page_html(login, user, "q=flood+report")
    assert "<mark>flooding</mark>" in page or "<mark>Flooding</mark>" in page

    # phrase search
    assert found(api, user, 'q="river bank"') == {("post", body_hit.pk)}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the stored search documents (migration posts/0009) exist on PostgreSQL only; "
    "needs DATABASE_URL=postgres://…",
)
def test_stored_search_documents_follow_every_edit(db, api):
    from posts import services

    author = UserFactory()
    community = CommunityFactory()
    add_member(community, author)
    post, _ = services.post_create(actor=author, community=community, title="Cassava harvest", body="Yields.")
    comment_row = comment(post, author, body="<p>Irrigation <b>canals</b></p>")
    page = wiki(community, author, "Seed banks", body="<p>Sorghum varieties.</p>")
    assert found(api, author, "q=cassava") == {("post", post.pk)}
    assert found(api, author, "q=canals") == {("comment", comment_row.pk)}
    assert found(api, author, "q=sorghum") == {("wiki", page.pk)}

    services.post_update(actor=author, post=post, title="Millet harvest", body="Yields.")
    assert found(api, author, "q=cassava") == set()
    assert found(api, author, "q=millet") == {("post", post.pk)}

    # The document is the database's own (generated column): no code path can leave it stale.
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_document::text FROM posts_post WHERE id = %s", [post.pk])
        assert "'millet':1A" in cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname IN "
            "('post_search_vector', 'comment_search_vector', 'wikipage_search_vector')"
        )
        assert cursor.fetchone()[0] == 3


# --- filters without words ------------------------------------------------------------------


def test_filters_without_words_list_what_they_match_newest_first(world, api, login):
    secret = api_results(api, world.me, "q=&classification=strictly_confidential")
    assert [(r["type"], r["id"]) for r in secret] == [("post", world.granted.pk)]
    in_mine = api_results(api, world.me, "community=my-circle&type=post")
    dates = [r["created_at"] for r in in_mine]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2
    assert {r["id"] for r in in_mine} == {world.visible.pk, world.granted.pk}
    page = page_html(login, world.me, "q=&classification=strictly_confidential&community=my-circle")
    assert "Strictly granted" in page and "newest first" in page
    assert "Strictly not granted" not in page


def test_filters_without_words_go_through_the_access_rule(world, api):
    everything = found(api, world.me, "type=post")
    for case, post in world.hidden.items():
        assert ("post", post.pk) not in everything, case
    assert ("post", world.visible.pk) in everything
    assert found(api, world.me, "community=closed") == set()


def test_no_words_and_no_filter_still_gives_nothing(world, api, login):
    assert api_results(api, world.me, "q=&type=&community=&classification=") == []
    page = page_html(login, world.me, "q=&type=")
    assert "Nothing found" not in page and "choose a filter" in page
