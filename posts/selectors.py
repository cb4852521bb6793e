"""Reads on posts, comments, wiki pages and attachments, all through the access
rule (communities/access.py, SPEC §2.2).

``access_post`` and ``access_wiki`` are the only ways a view loads an item:
visible to the user or 404, so "not there" and "not yours" look the same.
The list helpers return querysets with what their pages need joined or
prefetched, so a page costs the same number of queries for 5 items as for 50.
"""

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse

from communities.access import visible_in_visible_parent_q
from communities.models import Community, Membership
from unisocial import excerpts
from unisocial.classification import Status

from .models import Comment, Like, Post, PostAttachment, Tag, WikiAttachment, WikiPage


def _get_or_404(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    except (ValueError, TypeError):
        raise Http404 from None


def posts_for(user):
    """Posts ``user`` may see, newest first, ready for post cards (with their excerpt and
    counts: ``includes/post_card.html`` with ``counts=True``)."""
    return with_excerpt(with_counts(
        Post.objects.visible_to(user)
        .select_related("community", "author")
        .order_by("-created_at", "-id"),
        user,
    ))


def access_post(user, pk) -> Post:
    """The only way a view loads a post: visible to ``user`` or 404 (SPEC §2.2)."""
    return _get_or_404(Post.objects.visible_to(user).select_related("community", "author"), pk=pk)


def post_tags(post):
    return list(post.tags.order_by("name"))


LIKERS_SHOWN = 20
COMMENT_THREADS_PER_PAGE = 50


def _count(queryset):
    """``SELECT COUNT(*)`` of ``queryset`` as a scalar subquery (0 when empty; no GROUP BY)."""
    counted = queryset.order_by().annotate(
        n=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return Subquery(counted.values("n")[:1], output_field=IntegerField())


def likes_of(post_ref):
    """The likes of a post the caller loaded through the access rule (a ``Post``, an id or an
    ``OuterRef``): the one way likes are counted, on a list (``with_counts``), on the post page
    (``post_likes``) and after a like (``post_like``). A like is visible exactly when its post
    is (``Like.access_parent``), so the post's rule is the likes' rule."""
    return Like.objects.filter(post_id=post_ref.pk if isinstance(post_ref, Post) else post_ref)


def like_count(post) -> int:
    return likes_of(post).count()


def with_counts(posts, user):
    """Annotate ``like_count`` and ``comment_count`` (comments ``user`` may see) on posts
    that the caller filters by the access rule (the feed, the API's posts): the one way
    likes and comments are counted on a list of posts.

    Correlated subqueries in the page's query, evaluated for the page's rows only.
    (A separate grouped count over the page's ids was tried for the load test and
    was slower: a second round trip whose planning alone, with the comment rule,
    costs more than the subquery; docs/performance.md, "Load test".)
    """
    return posts.annotate(
        like_count=_count(likes_of(OuterRef("pk"))),
        # The post is visible (the feed's rule): only the comments' own part of the rule.
        comment_count=_count(
            Comment.objects.filter(post_id=OuterRef("pk")).filter(visible_in_visible_parent_q(Comment, user))
        ),
    )


def with_excerpt(posts):
    """Annotate ``excerpt_html``, the opening of each post's sanitized body (only that much is
    read, not the whole of a long body), for the card's excerpt (``{{ post.excerpt_html|excerpt }}``,
    ``unisocial.excerpts``; SPEC §2.5)."""
    return posts.annotate(excerpt_html=Substr("body", 1, excerpts.SOURCE_CHARS))


def post_likes(user, post, shown=LIKERS_SHOWN) -> dict:
    """Recommendations of a post (the post is visible, so its likes are): how many, the first
    ``shown`` people (a popular post does not list thousands of names) and whether ``user`` is one."""
    likes = likes_of(post)
    first = list(likes.select_related("user").order_by("created_at", "id")[:shown])
    count = len(first) if len(first) < shown else like_count(post)
    liked = any(like.user_id == user.pk for like in first) or (
        count > len(first) and likes.filter(user=user).exists()
    )
    return {"count": count, "first": first, "others": count - len(first), "liked": liked}


def _under_visible(model, user, **parent):
    """The rows of ``model`` (comments, attachments) under one parent that the caller loaded
    through the access rule in this request (``access_post``, ``access_wiki``): only the rows'
    own part of the rule (``visible_in_visible_parent_q``), not the parent's again — the same
    rows as ``model.objects.visible_to(user).filter(**parent)`` under a visible parent
    (tests/access/test_comment_rule_agreement.py proves it on random worlds), without building
    and compiling the parent's rule for every list of the page (docs/performance.md)."""
    return model.objects.filter(**parent).filter(visible_in_visible_parent_q(model, user))


def post_attachments(user, post):
    """The attachments of ``post``, itself loaded through ``access_post``."""
    attachments = list(_under_visible(PostAttachment, user, post=post))
    for attachment in attachments:
        attachment.download_url = reverse("posts:attachment", args=[post.pk, attachment.pk])
    return attachments


def _thread_roots(visible):
    """Comments that open a thread: top-level ones, and visible replies whose parent is not
    visible (withdrawn, hidden) — shown as a thread of their own rather than lost."""
    return visible.filter(Q(parent__isnull=True) | ~Q(parent_id__in=visible.values("pk")))


def _with_edited_at(comments):
    """Each comment with ``edited_at``: when its author last changed it after posting (their own
    revisions of a published comment; a moderator's hide or restore is not an edit), else None.
    In the same query (a subquery on the history), so the page's query count does not grow."""
    edits = (
        Comment.history.filter(id=OuterRef("pk"), history_type="~", history_user_id=OuterRef("author_id"))
        .filter(status=Status.PUBLISHED)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return comments.annotate(edited_at=Subquery(edits))


def post_comments(user, post, *, page=None, comment=None, per_page=COMMENT_THREADS_PER_PAGE):
    """The comments ``user`` may see on ``post`` (loaded through ``access_post``), threaded one
    level, one page of threads at a time.

    Returns ``(page_obj, [(comment, [replies])])``. ``comment`` (an id, from a link to a
    comment) opens the page holding that comment's thread when no ``page`` is asked for.
    A constant number of queries: count, the page's threads, their replies (and two to
    find a linked comment).
    """
    visible = _under_visible(Comment, user, post=post)  # ``post`` came through ``access_post``
    roots = _thread_roots(visible).order_by("created_at", "id")
    if page is None and comment is not None:
        page = _page_of_comment(visible, roots, comment, per_page)
    page_obj = Paginator(_with_edited_at(roots.select_related("author")), per_page).get_page(page)
    threads = list(page_obj.object_list)
    replies = {}
    if threads:
        for reply in (
            _with_edited_at(visible.filter(parent_id__in=[c.pk for c in threads]).select_related("author"))
            .order_by("created_at", "id")
        ):
            replies.setdefault(reply.parent_id, []).append(reply)
    return page_obj, [(c, replies.get(c.pk, [])) for c in threads]


def _page_of_comment(visible, roots, comment_id, per_page):
    try:
        target = visible.values("pk", "parent_id", "created_at").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError, OverflowError):
        return None
    if target["parent_id"]:
        parent = visible.values("pk", "created_at").filter(pk=target["parent_id"]).first()
        if parent is not None:
            target = parent
    before = roots.filter(
        Q(created_at__lt=target["created_at"]) | Q(created_at=target["created_at"], pk__lt=target["pk"])
    ).count()
    return before // per_page + 1


def access_comment(user, post, pk) -> Comment:
    """A visible comment on ``post`` (itself already loaded through ``access_post``), or 404."""
    return _get_or_404(_under_visible(Comment, user, post=post).select_related("author"), pk=pk)


def access_post_attachment(user, post_pk, pk) -> PostAttachment:
    return _get_or_404(
        PostAttachment.objects.visible_to(user)
        .filter(post_id=post_pk)
        .select_related("post__community"),
        pk=pk,
    )


def tag_with_posts(user, slug):
    """A tag and the posts ``user`` may see under it; 404 when there are none:
    a tag carried only by invisible posts does not exist for ``user`` (SPEC §2.2)."""
    tag = _get_or_404(Tag.objects.all(), slug=slug)
    posts = posts_for(user).filter(tags=tag)
    if not posts.exists():
        raise Http404
    return tag, posts


def person(username):
    """An active account, or 404 (an unknown or deactivated person has no page, SPEC §2.5)."""
    return _get_or_404(get_user_model().objects.filter(is_active=True), username=username)


def posts_by(user, author):
    """The posts of ``author`` that the viewer ``user`` may see."""
    return posts_for(user).filter(author=author)


def communities_of(user, person):
    """The communities ``person`` belongs to, restricted to those ``user`` may see."""
    memberships = Membership.objects.active().filter(user=person)
    return (
        Community.objects.visible_to(user)
        .filter(pk__in=memberships.values("content_object_id"))
        .prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="person_membership")
        )
        .order_by("name")
    )


# --- wiki ---------------------------------------------------------------------------------


def wiki_pages_for(user, community):
    return (
        WikiPage.objects.visible_to(user)
        .filter(community=community)
        .select_related("last_edited_by")
        .order_by("title", "id")
    )


def access_wiki(user, community, slug) -> WikiPage:
    """The only way a view loads a wiki page: visible to ``user`` or 404 (SPEC §2.2).

    ``community`` was itself loaded through ``communities.selectors.get_community_for``.
    """
    page = _get_or_404(
        WikiPage.objects.visible_to(user)
        .filter(community=community)
        .select_related("author", "last_edited_by"),
        slug=slug,
    )
    page.community = community
    return page


def wiki_attachments(user, page):
    attachments = list(_under_visible(WikiAttachment, user, page=page))  # ``page`` came through ``access_wiki``
    for attachment in attachments:
        attachment.download_url = reverse(
            "communities:wiki_attachment", args=[page.community.slug, page.slug, attachment.pk]
        )
    return attachments


def access_wiki_attachment(user, page, pk) -> WikiAttachment:
    attachment = _get_or_404(_under_visible(WikiAttachment, user, page=page), pk=pk)
    attachment.page = page
    return attachment


def reader_names(item) -> str:
    """The granted readers of an item, as the comma-separated text the forms use."""
    return ", ".join(sorted(item.reader_grants.values_list("user__username", flat=True)))
