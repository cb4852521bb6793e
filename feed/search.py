"""Search over posts, comments and wiki pages (SPEC §2.2, §2.4, §6
``/search/?q=`` and ``search/``).

The access rule is applied inside the SQL: each kind starts from
``Model.objects.visible_to(user)`` and is filtered, ranked and sliced in the
database; nothing is filtered in Python. On PostgreSQL the match is full-text
(``websearch_to_tsquery``) against each table's stored, GIN-indexed
``search_document`` (migrations posts/0009, 0017), ranked with ``ts_rank`` (title
weighted above body) — or, where the ``rum`` extension gave each table a RUM index (migration
posts/0018), read best first from that index (``ORDER BY search_document <=> query LIMIT k``: the
same order as ``ts_rank`` for one word, the access rule filtering the rows as they come, so a
common word costs its top k, not all its matches; docs/performance.md "Search at 1M: top k from
the index") — and the snippet is ``ts_headline`` over the body with its tags stripped;
elsewhere (SQLite, for development and tests) a simple ``icontains`` fallback
ranks title hits above body hits and cuts an excerpt around the first match.

Languages (SPEC §7, posts/languages.py): each item's document holds its own language's stems
and its words as written (``simple``); the query is parsed in the searcher's language (their
profile's, else the active one: the browser's) OR in ``simple``, so stems match within a
language and names and words as written match across languages. Chinese is segmented by jieba
on both sides; a Chinese item's snippet is cut in Python around the query's words (its
``ts_headline`` would see one unsplit run of characters).

Snippets are built from plain text only: the headline's match markers are
control characters, every piece between them is escaped, and only then are
the markers turned into ``<mark>`` — the stored body is never output raw.

Filters without words (a level, a community, a type, a tag and an empty query) list what
they match, newest first, through the same restriction; no filter and no words, nothing.

Pagination is by page number but bounded: page ``p`` takes the top
``p * size + 1`` of each kind (ids, rank and date only), merges them by rank
then date, and loads the headlines of the one page it shows. So a search
costs at most six queries.
"""

from __future__ import annotations

import html
import operator
import re
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django import forms
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, Func, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.expressions import Expression
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from moderation.models import EscalationCase
from posts.languages import SIMPLE, config_for, has_cjk, query_words, search_query, site_language
from posts.models import Comment, Post, WikiPage
from unisocial.classification import Level
from unisocial.widgets import UserTextSelect

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
PAGE_SIZE = 20
MAX_PAGE = 50
SNIPPET_CHARS = 200
KIND_POST, KIND_COMMENT, KIND_WIKI = "post", "comment", "wiki"
KINDS = (KIND_POST, KIND_COMMENT, KIND_WIKI)
# Match markers: control characters, which no escaped text can turn into markup.
START, STOP = "\x02", "\x03"


class SearchForm(forms.Form):
    """The search parameters, for the page and the API alike."""

    q = forms.CharField(
        label=_("Search for"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )  # the words typed: their direction
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[
            ("", _("Everything")),
            (KIND_POST, _("Posts")),
            (KIND_COMMENT, _("Comments")),
            (KIND_WIKI, _("Wiki pages")),
        ],
    )
    community = forms.SlugField(label=_("Community"), required=False, max_length=80)
    classification = forms.ChoiceField(
        label=_("Classification"), required=False, choices=[("", _("Any level")), *Level.choices]
    )
    tag = forms.SlugField(label=_("Tag (posts only)"), required=False, max_length=60)
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args, community_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community_choices is not None:
            # The page offers the user's communities; the API takes any slug.
            self.fields["community"].widget = UserTextSelect(choices=[("", _("All communities")), *community_choices])


@dataclass
class SearchResult:
    type: str
    id: int
    title: str
    community: str
    community_name: str
    classification: str
    snippet: SafeString
    url: str
    created_at: datetime
    rank: float
    language: str = ""


@dataclass
class SearchPage:
    results: list[SearchResult]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


# --- one description per kind ------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    name: str
    model: type
    title: str | None  # searched title field (None: body only)
    shown_title: str  # what the result shows as its title
    prefix: str  # path from the row to the item that carries community and level
    extra: tuple = ()


_KINDS = {
    KIND_POST: _Kind(KIND_POST, Post, "title", "title", ""),
    # A comment is found by its own text and shown under its post's title.
    KIND_COMMENT: _Kind(KIND_COMMENT, Comment, None, "post__title", "post__", ("post_id",)),
    KIND_WIKI: _Kind(KIND_WIKI, WikiPage, "title", "title", "", ("slug",)),
}


# Posts and wiki pages are the base table of their kind's two queries (ranking, headlines): the
# rule's SQL compiled once per process binds this user and this moment (``CompiledRule``,
# docs/performance.md "Compiling the rule once"); comments (the rule joins their post) take
# ``visible_to``. False: every kind takes ``visible_to`` (bench/compiled_rule.py compares them).
COMPILED_RULE = True


def _restricted(kind: _Kind, user, cleaned):
    """The rows of ``kind`` that ``user`` may see, narrowed by the filters — all in SQL."""
    manager = kind.model.objects
    rows = manager.visible_to_compiled(user) if COMPILED_RULE else manager.visible_to(user)
    p = kind.prefix
    if cleaned.get("community"):
        # Only a community the user may see: an escalated comment is visible to a system
        # manager who is not in its (restricted) community, whose slug must not match.
        rows = rows.filter(
            **{f"{p}community__in": Community.objects.visible_to(user).filter(slug=cleaned["community"])}
        )
    if cleaned.get("classification"):
        rows = rows.filter(**{f"{p}classification": cleaned["classification"]})
    if cleaned.get("tag"):
        rows = rows.filter(tags__slug=cleaned["tag"])
    return rows


def _kinds_for(cleaned):
    if cleaned.get("tag"):  # tags are on posts only
        return [KIND_POST] if cleaned.get("type") in ("", None, KIND_POST) else []
    if cleaned.get("type"):
        return [cleaned["type"]]
    return list(KINDS)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


class _StripTags(Func):
    """The body's text without its markup (PostgreSQL), for the index and the headline."""

    function = "regexp_replace"
    template = "%(function)s(%(expressions)s, '<[^>]*>', ' ', 'g')"
    output_field = TextField()


def _terms(q: str) -> list[str]:
    words = [w.strip('"').lstrip("-") for w in q.split()]
    return [w for w in words if w and w.lower() != "or"][:MAX_TERMS]


# --- ranking (phase 1: ids only) ---------------------------------------------------------


class _StoredDocument(Expression):
    """The row's stored search document (migration posts/0009; PostgreSQL only): a column the
    model does not declare, named through the query's own alias for its table (which is not
    the table's name inside a subquery)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_document", []


def full_text_query(q: str, language: str | None) -> SearchQuery:
    """The query parsed in the searcher's language OR in 'simple' (CJK runs segmented first)."""
    text = search_query(q)
    query = SearchQuery(text, search_type="websearch", config=SIMPLE)
    config = config_for(language)
    if config != SIMPLE:
        query = SearchQuery(text, search_type="websearch", config=config) | query
    return query


def _headline_config(language: str | None):
    """How a row's headline parses its body: in the searcher's configuration when the row is in
    the searcher's language (the stems of the query mark the stems of the text), else 'simple'
    (the query's 'simple' half marks the words as written, which is how the row matched)."""
    return Case(
        When(language=language or "", then=Value(config_for(language))),
        default=Value(SIMPLE),
        output_field=TextField(),
    )


class _Distance(Func):
    """RUM's distance between the row's stored document and the query (``<=>``, migration
    posts/0018): ``1 / rank``, which a RUM index returns in order."""

    template = "(%(expressions)s)"
    arg_joiner = " <=> "
    output_field = FloatField()


class _Inverse(Func):
    template = "(1.0 / %(expressions)s)"
    output_field = FloatField()


# The RUM index of each kind (migration posts/0018), present only where the extension is.
RUM_INDEXES = {KIND_POST: "post_search_rum", KIND_COMMENT: "comment_search_rum", KIND_WIKI: "wikipage_search_rum"}
_rum_by_database: dict[str, bool] = {}


def ranked_by_index() -> bool:
    """Whether this database has the RUM indexes of migration posts/0018 (PostgreSQL with the
    ``rum`` extension): then each kind's top k is read best first from its index; else today's GIN
    match is ranked with ``ts_rank``. Asked once per process and database (and again after every
    ``migrate``: ``forget_index_state``)."""
    if not _is_postgres():
        return False
    name = connection.settings_dict["NAME"]
    if name not in _rum_by_database:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(to_regclass(name)) FROM unnest(%s::text[]) AS name", [list(RUM_INDEXES.values())]
            )
            _rum_by_database[name] = cursor.fetchone()[0] == len(RUM_INDEXES)
    return _rum_by_database[name]


def forget_index_state(sender=None, using=None, **kwargs):
    """After ``migrate`` or ``flush`` (``post_migrate``, sent per app: acted on for posts): look
    for the RUM indexes again, now (so the first search does not pay the look-up)."""
    if getattr(sender, "label", "posts") != "posts":
        return
    _rum_by_database.clear()
    if using in (None, connection.alias):
        ranked_by_index()


def _ranked(kind: _Kind, rows, q: str, language: str | None = None):
    if not q:  # filters only: newest first, every row the filters keep
        return rows.annotate(rank=Value(0.0, output_field=FloatField())).order_by("-created_at", "-id")
    if _is_postgres():
        query = full_text_query(q, language)
        # The stored document (GIN- and, with rum, RUM-indexed): no body is re-parsed.
        rows = rows.annotate(document=_StoredDocument()).filter(document=query)
        if ranked_by_index():
            # Top k from the RUM index, best first; the access rule filters the rows as they come
            # and the LIMIT stops the scan. rank = 1 / distance (ts_rank's order for one word).
            # Ordered by the distance alone: any further key and PostgreSQL sorts every match
            # instead of reading the index in order (equal ranks: see ``search``).
            distance = _Distance(_StoredDocument(), query)
            rows = rows.annotate(distance=distance, rank=_Inverse(distance))
            return rows.order_by("distance")
        rows = rows.annotate(rank=SearchRank(_StoredDocument(), query))
    else:
        terms = _terms(q)
        if not terms:
            return rows.none()

        def hit(t):
            return Q(**{f"{kind.title}__icontains": t}) | Q(body__icontains=t) if kind.title else Q(body__icontains=t)

        def score(field, t, weight):
            return Case(
                When(**{f"{field}__icontains": t}, then=Value(weight)),
                default=Value(0.0),
                output_field=FloatField(),
            )

        scores = [score("body", t, 1.0) for t in terms]
        if kind.title:
            scores += [score(kind.title, t, 2.0) for t in terms]
        rows = rows.filter(reduce(operator.and_, [hit(t) for t in terms]))
        rows = rows.annotate(rank=reduce(operator.add, scores))
    return rows.order_by("-rank", "-created_at", "-id")


# --- snippets (phase 2: the shown page only) ----------------------------------------------


def marked(text: str) -> SafeString:
    """Escape ``text`` and turn its START/STOP markers into ``<mark>`` (always balanced)."""
    out, open_ = [], False
    for piece in re.split(f"([{START}{STOP}])", text or ""):
        if piece == START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        elif piece:
            out.append(str(escape(_plain(piece))))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 — every piece above is escaped


def _plain(text: str) -> str:
    """Entities back to characters (escaped again by the caller), whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(text))


def excerpt(body_html: str, terms: list[str], size: int = SNIPPET_CHARS) -> SafeString:
    """The SQLite snippet: plain text around the first match, matches marked."""
    text = re.sub(r"\s+", " ", html.unescape(strip_tags(body_html or ""))).strip()
    text = text.replace(START, "").replace(STOP, "")
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - size // 3) if first else 0
    window = text[start : start + size]
    if pattern:
        window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + size < len(text) else ""
    return mark_safe(prefix + marked(window) + suffix)  # noqa: S308 — marked() escapes


def _url(kind: str, row: dict) -> str:
    if kind == KIND_POST:
        return reverse("posts:detail", kwargs={"pk": row["pk"]})
    if kind == KIND_COMMENT:
        return reverse("posts:detail", kwargs={"pk": row["post_id"]}) + f"?comment={row['pk']}#comment-{row['pk']}"
    try:
        return reverse("communities:wiki", kwargs={"slug": row["r_community"], "page": row["slug"]})
    except NoReverseMatch:  # the wiki routes are the stable SPEC §6 paths
        return f"/communities/{row['r_community']}/wiki/{row['slug']}/"


def _load(kind: _Kind, rows, ids, q: str, user=None, language=None) -> dict[int, tuple[dict, SafeString]]:
    p = kind.prefix
    rows = rows.filter(pk__in=ids)
    fields = {
        "r_title": F(kind.shown_title),
        "r_community": F(f"{p}community__slug"),
        "r_community_name": F(f"{p}community__name"),
        "r_level": F(f"{p}classification"),
        "r_language": F("language"),
    }
    if kind.name == KIND_COMMENT and getattr(user, "is_superuser", False):
        # A system manager sees a comment escalated on its own without its post (SPEC §3):
        # whether the post and its community are visible to them, and the case to link to.
        # (For anyone else a visible comment has a visible post.) The shown page only.
        fields |= {
            "r_post_visible": Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post_id"))),
            "r_community_visible": Exists(Community.objects.visible_to(user).filter(pk=OuterRef("post__community_id"))),
            "r_case": Subquery(
                EscalationCase.objects.filter(
                    target_type="comment", target_id=OuterRef("pk"), resolved_at__isnull=True
                ).values("pk")[:1]
            ),
        }
    if q and _is_postgres():
        query = full_text_query(q, language)
        # A segmented (Chinese) row's snippet is cut here from its body: its body alone is sent.
        fields["r_cjk_body"] = Case(When(segmented="", then=Value("")), default=F("body"), output_field=TextField())
        rows = rows.annotate(
            headline=SearchHeadline(
                _StripTags(F("body")),
                query,
                config=_headline_config(language),
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        values = rows.values("pk", "headline", *kind.extra, **fields)
        words = query_words(q) if has_cjk(q) else _terms(q)
        return {
            row["pk"]: (row, excerpt(row["r_cjk_body"], words) if row["r_cjk_body"] else marked(row["headline"]))
            for row in values
        }
    terms = _terms(q)
    values = rows.values("pk", "body", *kind.extra, **fields)
    return {row["pk"]: (row, excerpt(row["body"], terms)) for row in values}


def _shown(kind: str, row: dict) -> dict:
    """A result's title, community and link. A comment escalated to management, shown to a
    system manager who cannot see its post, shows what the escalation covers and nothing of
    its parent (SPEC §2.2, §3): no post title, no link to the post's page (a 404 for them),
    no post id — the link is the escalation case; and no community they cannot see."""
    if row.get("r_post_visible", True):
        return {
            "title": row["r_title"],
            "community": row["r_community"],
            "community_name": row["r_community_name"],
            "url": _url(kind, row),
        }
    visible_community = row["r_community_visible"]
    case = row["r_case"]
    return {
        "title": str(_("A comment escalated to management")),
        "community": row["r_community"] if visible_community else "",
        "community_name": row["r_community_name"] if visible_community else str(_("a community you are not in")),
        "url": reverse("admin:moderation_escalationcase_change", args=[case]) if case else "",
    }


# --- the search ---------------------------------------------------------------------------

FILTERS = ("type", "community", "classification", "tag")


def filtering(cleaned: dict) -> bool:
    """Whether the parameters narrow the search by anything but words."""
    return any(cleaned.get(name) for name in FILTERS)


def search(user, cleaned: dict, *, size: int = PAGE_SIZE, language: str | None = None) -> SearchPage:
    """One page of results for the validated parameters ``cleaned`` (see ``SearchForm``), the
    words parsed in ``language`` (default: the searcher's own, else the active one) and in 'simple'."""
    q = (cleaned.get("q") or "").strip()
    language = site_language(language or getattr(user, "language", "") or get_language())
    number = cleaned.get("page") or 1
    if not q and not filtering(cleaned):
        return SearchPage([], number, False)
    wanted = number * size + 1
    restricted, candidates = {}, []
    # From a RUM index each kind comes best first with equal ranks in the index's own order
    # (deterministic for the same rows, and the same prefix whatever the LIMIT): the merge keeps it.
    # Else (ts_rank) equal ranks are newest first.
    by_index = bool(q) and ranked_by_index()
    for position, name in enumerate(_kinds_for(cleaned)):
        kind = _KINDS[name]
        restricted[name] = _restricted(kind, user, cleaned)
        top = _ranked(kind, restricted[name], q, language).values_list("pk", "rank", "created_at")[:wanted]
        candidates += [
            (
                (-rank, position, seq) if by_index else (-rank, -created.timestamp(), position, -pk),
                name,
                pk,
                rank,
                created,
            )
            for seq, (pk, rank, created) in enumerate(top)
        ]
    candidates.sort(key=operator.itemgetter(0))
    shown = candidates[(number - 1) * size : number * size]
    loaded = {}
    for name in restricted:
        ids = [pk for _key, kind_name, pk, _rank, _created in shown if kind_name == name]
        if ids:
            loaded[name] = _load(_KINDS[name], restricted[name], ids, q, user, language)
    results = []
    for _key, name, pk, rank, created in shown:
        if pk not in loaded.get(name, {}):
            continue  # became invisible between the two queries
        row, snippet = loaded[name][pk]
        results.append(
            SearchResult(
                type=name,
                id=pk,
                classification=row["r_level"],
                snippet=snippet,
                created_at=created,
                rank=rank,
                language=row["r_language"],
                **_shown(name, row),
            )
        )
    return SearchPage(results, number, len(candidates) > number * size)
