"""Reads on posts, comments, wiki pages and attachments, all through the access
rule (unisocial/access.py, SPEC §2.2).

``access_post`` and ``access_wiki`` are the only ways a view loads an item:
visible to the user or 404, so "not there" and "not yours" look the same.
The list helpers return querysets with what their pages need joined or
prefetched, so a page costs the same number of queries for 5 items as for 50.
"""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse

from communities.models import Community, Membership

from .models import Comment, Like, Post, PostAttachment, Tag, WikiAttachment, WikiPage


def _get_or_404(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    except (ValueError, TypeError):
        raise Http404 from None


def posts_for(user):
    """Posts ``user`` may see, newest first, ready for post cards."""
    return (
        Post.objects.visible_to(user)
        .select_related("community", "author")
        .order_by("-created_at", "-id")
    )


def access_post(user, pk) -> Post:
    """The only way a view loads a post: visible to ``user`` or 404 (SPEC §2.2)."""
    return _get_or_404(Post.objects.visible_to(user).select_related("community", "author"), pk=pk)


def post_tags(post):
    return list(post.tags.order_by("name"))


def post_likes(user, post):
    """Who recommended the post (the post is visible, so its likes are)."""
    return list(
        Like.objects.visible_to(user)
        .filter(post=post)
        .select_related("user")
        .order_by("created_at", "id")
    )


def post_attachments(user, post):
    attachments = list(PostAttachment.objects.visible_to(user).filter(post=post))
    for attachment in attachments:
        attachment.download_url = reverse("posts:attachment", args=[post.pk, attachment.pk])
    return attachments


def post_comments(user, post):
    """The comments ``user`` may see, threaded one level: ``[(comment, [replies])]``.

    A visible reply whose parent is not visible (withdrawn, hidden) is shown
    as a thread of its own rather than lost.
    """
    comments = list(
        Comment.objects.visible_to(user)
        .filter(post=post)
        .select_related("author")
        .order_by("created_at", "id")
    )
    by_id = {c.pk: c for c in comments}
    replies = {}
    threads = []
    for comment in comments:
        if comment.parent_id and comment.parent_id in by_id:
            replies.setdefault(comment.parent_id, []).append(comment)
        else:
            threads.append(comment)
    return [(comment, replies.get(comment.pk, [])) for comment in threads]


def access_comment(user, post, pk) -> Comment:
    """A visible comment on ``post`` (itself already loaded through ``access_post``), or 404."""
    return _get_or_404(
        Comment.objects.visible_to(user).filter(post=post).select_related("author"), pk=pk
    )


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
    return _get_or_404(get_user_model().objects.all(), username=username)


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
    attachments = list(WikiAttachment.objects.visible_to(user).filter(page=page))
    for attachment in attachments:
        attachment.download_url = reverse(
            "communities:wiki_attachment", args=[page.community.slug, page.slug, attachment.pk]
        )
    return attachments


def access_wiki_attachment(user, page, pk) -> WikiAttachment:
    attachment = _get_or_404(WikiAttachment.objects.visible_to(user).filter(page=page), pk=pk)
    attachment.page = page
    return attachment


def reader_names(item) -> str:
    """The granted readers of an item, as the comma-separated text the forms use."""
    return ", ".join(sorted(item.reader_grants.values_list("user__username", flat=True)))
