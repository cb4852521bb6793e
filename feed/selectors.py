"""Reads for the home feed (SPEC §2.2, §2.4, §6 ``/`` and ``feed/``).

The feed is the newest posts ``user`` may see, either of their communities
(active memberships) and of the people they follow (``mine``), or of every
open community (``open``, for discovery), or of one person (their profile).
Every row passes ``Post.objects.visible_to(user)``; the like and comment
counts are subqueries (the comment count counts only comments visible to
``user``) and the excerpt the opening of the body, so a page costs three queries whatever its size (the posts, then
their communities and authors). The rows carry only the columns a feed item
shows (``FEED_FIELDS``).

Pagination is keyset ("cursor") over ``(-created_at, -id)``: no OFFSET and
no COUNT, so page 51 costs what page 1 costs. A cursor is the opaque
urlsafe base64 of the last row's ``(created_at, id)``. ``paginate`` is the one
implementation: the home feed and a community's front page (``feed.views``)
and the feed API all page through it.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, Value

from communities.models import Community, Membership
from posts.models import Post
from posts.selectors import with_counts, with_excerpt
from unisocial.classification import Visibility

from .models import Follow

SCOPE_MINE = "mine"
SCOPE_OPEN = "open"
SCOPES = (SCOPE_MINE, SCOPE_OPEN)
PAGE_SIZE = 20
ORDERING = ("-created_at", "-id")
# What a feed item shows (the API's ``FeedItemSerializer``, ``feed/_item.html``), the
# cursor (``created_at``, ``id``) and nothing else: not the whole bodies (often TOASTed;
# the excerpt reads only their opening, ``with_excerpt``), nor
# the author's password hash or the community's description. The community and the
# author come in two small queries for the page's rows (``prefetch_related``), not as
# joins: joined, the database joined every candidate before sorting — thousands of rows
# for a member of busy communities, the load test's slowest feed pages.
FEED_FIELDS = ("id", "title", "classification", "status", "created_at", "community_id", "author_id", "language")


class InvalidCursor(ValueError):
    pass


def _my_sources(user) -> tuple[list[int], list[int]]:
    """The ids of ``user``'s active communities and of the people they follow (one query).

    They go into the feed's SQL as literal lists, not subqueries: the planner
    then knows from the column statistics how many posts they cover and picks
    the right plan — walk ``post_newest`` and stop after one page when they
    cover many posts, fetch and sort their few posts when they cover few. Given
    subqueries it must guess, and at 1M posts it guessed wrong (page 51 sorted
    17,000 rows; docs/performance.md).
    """
    communities = (
        Membership.objects.active()
        .filter(user_id=user.pk)
        .annotate(kind=Value("c"))
        .values_list("kind", "content_object_id")
    )
    followed = (
        Follow.objects.filter(follower_id=user.pk)
        .annotate(kind=Value("f"))
        .values_list("kind", "followed_id")
    )
    mine, people = [], []
    for kind, pk in communities.union(followed, all=True):
        (mine if kind == "c" else people).append(pk)
    return mine, people


def feed_candidates(user, *, scope=SCOPE_MINE, author=None):
    """The feed's rows *before* the access rule, with counts and ordering.

    Not for direct use: callers go through ``feed_for`` or the API's
    ``AccessRuleViewSet`` (which adds ``visible_to``), so the rule is applied
    exactly once, in the same SQL.
    """
    posts = Post.objects.all()
    if author is not None:
        posts = posts.filter(author_id=author.pk)
    elif scope == SCOPE_OPEN:
        posts = posts.filter(community__visibility=Visibility.OPEN)
    else:
        my_communities, followed = _my_sources(user)
        posts = posts.filter(Q(community_id__in=my_communities) | Q(author_id__in=followed))
    return (
        with_excerpt(with_counts(posts, user))
        .only(*FEED_FIELDS)
        .prefetch_related(
            Prefetch("community", queryset=Community.objects.only("id", "slug", "name")),
            Prefetch("author", queryset=get_user_model().objects.only(
                "id", "username", "display_name", "first_name", "last_name", "is_active")),
        )
        .order_by(*ORDERING)
    )


def feed_for(user, *, scope=SCOPE_MINE, author=None):
    """The feed of ``user``: visible posts only, newest first. A top-level query on posts: the
    rule's SQL compiled once (``visible_to_compiled``; docs/performance.md "Compiling the rule once")."""
    return feed_candidates(user, scope=scope, author=author).visible_to_compiled(user)


# --- keyset pagination --------------------------------------------------------------------


def encode_cursor(post) -> str:
    raw = json.dumps([post.created_at.isoformat(), post.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None or not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise InvalidCursor(cursor) from exc
    return created_at, pk


@dataclass
class FeedPage:
    items: list
    next_cursor: str | None
    # The cursor of a "Newer" link (``paginate(..., before=...)``): only on a page reached
    # by a cursor, so it depends on the request and the visible rows alone.
    previous_cursor: str | None = None


def _after(posts, created_at, pk):
    # ``created_at <= c`` is redundant but gives the index scan its start (``post_newest``).
    return posts.filter(created_at__lte=created_at).filter(
        Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
    )


def _before(posts, created_at, pk):
    return posts.filter(created_at__gte=created_at).filter(
        Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk)
    )


def paginate(
    posts, cursor: str | None = None, size: int = PAGE_SIZE, *, before: str | None = None
) -> FeedPage:
    """One page of ``posts`` (in ``ORDERING``): the ``size`` rows older than ``cursor``, or,
    with ``before``, the ``size`` rows just newer than it (the "Newer" link). Raises
    ``InvalidCursor``.

    A cursor is only the values ``(created_at, id)``: the page is the visible rows on one side
    of them, so a cursor taken from a row the reader may not see (or from no row at all)
    answers exactly what a cursor between its visible neighbours answers. Rows added after
    the first page was read never shift the pages that follow (no OFFSET). One query, or two
    when ``before`` reaches the newest rows: then it is the first page, full.
    """
    if before:
        created_at, pk = decode_cursor(before)
        newer = list(_before(posts, created_at, pk).reverse()[: size + 1])
        if len(newer) <= size:  # nothing newer beyond them: the first page
            return paginate(posts, size=size)
        items = newer[:size][::-1]
        return FeedPage(items, encode_cursor(items[-1]), encode_cursor(items[0]))
    if cursor:
        created_at, pk = decode_cursor(cursor)
        posts = _after(posts, created_at, pk)
    items = list(posts[: size + 1])
    previous = encode_cursor(items[0]) if cursor and items else None
    if len(items) > size:
        items = items[:size]
        return FeedPage(items, encode_cursor(items[-1]), previous)
    return FeedPage(items, None, previous)
