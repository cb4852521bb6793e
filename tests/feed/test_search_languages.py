"""Search per language (SPEC §7): each item's document is parsed in its own language and in
'simple', the query in the searcher's language and in 'simple' (posts/languages.py, migration
posts/0017). Realistic sentences in the six languages: inflected forms find their lemma, Chinese
words inside a sentence are found, a name is found across languages — and the access rule is
the same as ever (an item the searcher may not see never appears, however well it matches).

The stemming tests need PostgreSQL (DATABASE_URL=postgres://…); the SQLite fallback is a
substring match, checked for Chinese at the end."""

import pytest
from django.db import connection

from communities.models import Role
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

from .conftest import wiki

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="per-language full-text search (the item's configuration, jieba-segmented documents) "
    "needs DATABASE_URL=postgres://…",
)


def found(api, user, q):
    response = api(user).get("/api/v1/search/", {"q": q})
    assert response.status_code == 200, response.content
    return {(r["type"], r["id"]) for r in response.json()["results"]}


@pytest.fixture
def place(db):
    """A community, an author, and a searcher in each language; a restricted community the
    searchers are not in, and a post waiting for moderation (both invisible to them)."""
    author = UserFactory()
    community = CommunityFactory(visibility=Visibility.MODERATED)
    add_member(community, author, Role.OWNER)
    searchers = {}
    for code in ("ar", "zh-hans", "en", "fr", "ru", "es"):
        searchers[code] = UserFactory(language=code)
        add_member(community, searchers[code])
    outsider_author = UserFactory()
    closed = CommunityFactory(visibility=Visibility.RESTRICTED)
    add_member(closed, outsider_author, Role.OWNER)
    return author, community, searchers, outsider_author, closed


def post(author, community, title, body, language, **kwargs):
    item, _warnings = services.post_create(
        actor=author, community=community, title=title, body=body, language=language,
        classification=Level.UNCLASSIFIED, **kwargs
    )
    return item


SENTENCES = [
    # (language, title, body, the query in another inflection)
    ("en", "Ceasefire talks", "<p>The delegations negotiated through the night in Geneva.</p>", "negotiations"),
    ("en", "Ceasefire talks", "<p>Negotiations on the ceasefire resumed on Monday.</p>", "negotiated"),
    ("fr", "Cessez-le-feu", "<p>Les négociations sur le climat reprendront à Genève.</p>", "négocier"),
    ("ru", "Прекращение огня", "<p>Делегации продолжили переговоры в Женеве.</p>", "переговорах"),
    ("es", "Alto el fuego", "<p>Las negociaciones sobre el clima continúan en Ginebra.</p>", "negociación"),
    ("ar", "وقف إطلاق النار", "<p>يدعو الأمين العام إلى السلام الدائم في المنطقة.</p>", "سلام"),
]


@postgres_only
@pytest.mark.parametrize("language, title, body, query", SENTENCES, ids=[f"{s[0]}-{s[3]}" for s in SENTENCES])
def test_an_inflected_form_finds_its_lemma_in_the_items_language(api, place, language, title, body, query):
    author, community, searchers, outsider_author, closed = place
    hit = post(author, community, title, body, language)
    post(author, community, "Budget", "<p>Nothing about that here.</p>", language)
    # Invisible to the searcher however well it matches: another community's, and a pending one.
    hidden = post(outsider_author, closed, title, body, language)
    assert found(api, searchers[language], query) == {("post", hit.pk)}
    outsider_author.language = language  # who may see it, searching in the same language, finds it
    outsider_author.save(update_fields=["language"])
    assert ("post", hidden.pk) in found(api, outsider_author, query)


@postgres_only
def test_french_inflections_in_wiki_pages_and_comments(api, place):
    author, community, searchers, *_ = place
    page = wiki(community, author, "Accords", body="<p>Les accords négociés en 2015 restent en vigueur.</p>",
                language="fr")
    item = post(author, community, "Réunion", "<p>Ordre du jour.</p>", "fr")
    reply, _ = services.comment_create(actor=searchers["en"], post=item, body="Nous négocierons demain.")
    assert reply.language == "fr"  # a comment is searched in its post's language
    assert found(api, searchers["fr"], "négociation") == {("wiki", page.pk), ("comment", reply.pk)}


@postgres_only
def test_chinese_words_inside_a_sentence_are_found(api, place):
    author, community, searchers, outsider_author, closed = place
    body = "<p>联合国秘书长呼吁各国推动可持续发展，加强国际合作，共同应对气候变化。</p>"
    hit = post(author, community, "气候变化与可持续发展", body, "zh-hans")
    other = post(author, community, "预算审查", "<p>本季度的预算审查已经完成。</p>", "zh-hans")
    hidden = post(outsider_author, closed, "可持续发展", body, "zh-hans")
    for query in ("发展", "可持续", "可持续发展", "气候变化", "国际合作"):
        assert found(api, searchers["zh-hans"], query) == {("post", hit.pk)}, query
    assert found(api, searchers["zh-hans"], "预算") == {("post", other.pk)}
    assert found(api, searchers["zh-hans"], "预算 -审查") == set()  # websearch's exclusion still binds
    assert found(api, searchers["zh-hans"], '"国际合作"') == {("post", hit.pk)}  # and its phrase
    assert ("post", hidden.pk) in found(api, outsider_author, "可持续")
    # A searcher of another language types the same words: the segmented query matches too.
    assert found(api, searchers["en"], "可持续") == {("post", hit.pk)}
    # The snippet marks the words in the unsegmented sentence, escaped.
    response = api(searchers["zh-hans"]).get("/api/v1/search/", {"q": "可持续"})
    snippet = response.json()["results"][0]["snippet"]
    assert "<mark>持续</mark>" in snippet and " " not in snippet.replace("… ", "").replace(" …", "")
    assert response.json()["results"][0]["language"] == "zh-hans"


@postgres_only
def test_a_chinese_comment_on_an_english_post_is_segmented(api, place):
    author, community, searchers, *_ = place
    item = post(author, community, "Climate summit", "<p>Notes from the summit.</p>", "en")
    reply, _ = services.comment_create(actor=searchers["zh-hans"], post=item, body="我们支持可持续发展目标。")
    assert found(api, searchers["zh-hans"], "发展") == {("comment", reply.pk)}


@postgres_only
@pytest.mark.parametrize(
    "item_language, body, searcher, query",
    [
        # An Arabic searcher's parse leaves Latin words unstemmed ('guterres'); the English document's
        # stem is 'guterr': only its 'simple' half matches.
        ("en", "<p>Secretary-General Guterres visited the camp on Tuesday.</p>", "ar", "Guterres"),
        ("fr", "<p>Le Secrétaire général Guterres a visité le camp.</p>", "zh-hans", "Guterres"),
        # English parses Cyrillic as written; the Russian document holds the stem 'гутерр'… and
        # the word as written.
        ("ru", "<p>Генеральный секретарь Гутерриш посетил лагерь.</p>", "en", "Гутерриш"),
        ("zh-hans", "<p>秘书长古特雷斯访问了难民营。</p>", "es", "古特雷斯"),
        ("es", "<p>El Secretario General Guterres visitó el campamento.</p>", "ru", "Guterres"),
    ],
)
def test_a_name_is_found_by_a_searcher_of_another_language(api, place, item_language, body, searcher, query):
    author, community, searchers, outsider_author, closed = place
    hit = post(author, community, "Visit", body, item_language)
    hidden = post(outsider_author, closed, "Visit", body, item_language)
    results = found(api, searchers[searcher], query)
    assert results == {("post", hit.pk)}
    assert ("post", hidden.pk) not in results


@postgres_only
def test_the_document_holds_the_stems_and_the_words_as_written(place):
    author, community, *_ = place
    item = post(author, community, "Negotiations", "<p>Delegations negotiated.</p>", "en")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_document::text FROM posts_post WHERE id = %s", [item.pk])
        document = cursor.fetchone()[0]
    assert "'negoti'" in document and "'negotiations'" in document and "'negotiated'" in document


@postgres_only
def test_changing_an_items_language_rebuilds_its_document(api, place):
    author, community, searchers, *_ = place
    item = post(author, community, "Climat", "<p>Les négociations reprennent.</p>", "en")
    assert found(api, searchers["fr"], "négocier") == set()  # parsed as English: no French stem
    services.post_update(actor=author, post=item, language="fr")
    assert found(api, searchers["fr"], "négocier") == {("post", item.pk)}


@postgres_only
def test_a_pending_post_never_appears_for_a_member(api, db):
    author, member = UserFactory(language="fr"), UserFactory(language="fr")
    community = CommunityFactory(visibility=Visibility.MODERATED, premoderation=True)
    add_member(community, author)
    add_member(community, member)
    pending = post(author, community, "Accords", "<p>Les négociations reprennent.</p>", "fr")
    assert pending.status == Status.PENDING
    assert found(api, member, "négocier") == set()
    assert ("post", pending.pk) in found(api, author, "négocier")


def test_the_fallback_finds_chinese_words_inside_a_sentence(api, place):
    """SQLite (development, tests): a substring match, which finds CJK words as they are."""
    author, community, searchers, *_ = place
    hit = post(author, community, "气候", "<p>各国推动可持续发展，加强国际合作。</p>", "zh-hans")
    assert found(api, searchers["zh-hans"], "可持续") == {("post", hit.pk)}


@postgres_only
def test_the_snippet_marks_stems_in_the_searchers_language_and_names_across_languages(api, place):
    author, community, searchers, *_ = place
    french = post(author, community, "Climat", "<p>Les négociations reprendront à Genève.</p>", "fr")
    english = post(author, community, "Visit", "<p>Secretary-General Guterres visited the camp.</p>", "en")

    def snippet(searcher, q, pk):
        response = api(searchers[searcher]).get("/api/v1/search/", {"q": q})
        return next(r["snippet"] for r in response.json()["results"] if r["id"] == pk)

    assert "<mark>négociations</mark>" in snippet("fr", "négocier", french.pk)
    assert "<mark>Guterres</mark>" in snippet("ar", "Guterres", english.pk)
