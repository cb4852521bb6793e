"""HTML pages of the feed and search (SPEC §6 ``/``, ``/search/?q=``):
the home feed, follow/unfollow (buttons on the profile page), the search page,
and a community's front page (``/communities/<slug>/``, the ``communities:detail`` route).

Every list comes from ``feed.selectors`` or ``feed.search``, which apply the
access rule in the SQL, or from ``visible_to``.
"""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import selectors as community_selectors
from communities.models import JoinRequest, Membership
from posts import selectors as post_selectors
from posts.models import Post
from records.models import StalenessReview
from unisocial.classification import Role, Visibility

from . import selectors as feed
from .follows import follow_user, unfollow_user
from .search import SearchForm, filtering, search

COMMUNITY_PAGE_SIZE = 20
WIKI_PAGES_SHOWN = 10


def _feed_page(request, posts, size=feed.PAGE_SIZE):
    """Keyset paging (``feed.paginate``): ``?cursor=`` the older page, ``?before=`` the newer."""
    try:
        return feed.paginate(
            posts, request.GET.get("cursor"), size, before=request.GET.get("before")
        )
    except feed.InvalidCursor:  # a mangled link: start again from the newest
        return feed.paginate(posts, size=size)


def _my_memberships(user):
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("content_object")
        .order_by("content_object__name")
    )


@login_required
def home(request):
    """``/``: my communities, and the feed (``?scope=open``: every open community)."""
    scope = request.GET.get("scope")
    scope = scope if scope in feed.SCOPES else feed.SCOPE_MINE
    page = _feed_page(request, feed.feed_for(request.user, scope=scope))
    memberships = list(_my_memberships(request.user))
    return render(
        request,
        "feed/home.html",
        {
            "my_memberships": memberships,
            # The composer (SPEC §2.5: a new post one click from home): where I may post.
            "postable": [m.content_object for m in memberships if not m.content_object.is_archived],
            "scope": scope,
            "page": page,
        },
    )


def _back(request, target):
    candidate = request.POST.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(candidate)
    return redirect("posts:profile", username=target.username)


@login_required
@require_POST
def follow(request, username):
    target = get_object_or_404(get_user_model(), username=username, is_active=True)
    try:
        follow_user(actor=request.user, target=target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You follow %(name)s.") % {"name": target})
    return _back(request, target)


@login_required
@require_POST
def unfollow(request, username):
    target = get_object_or_404(get_user_model(), username=username)
    unfollow_user(actor=request.user, target=target)
    messages.success(request, _("You no longer follow %(name)s.") % {"name": target})
    return _back(request, target)


@login_required
def search_page(request):
    """``/search/?q=``: posts, comments and wiki pages I may see, best match first (with filters
    and no words, newest first)."""
    choices = [
        (m.content_object.slug, m.content_object.name) for m in _my_memberships(request.user)
    ]
    form = SearchForm(request.GET or None, community_choices=choices)
    page, narrowed = None, False
    if form.is_bound and form.is_valid():
        page = search(request.user, form.cleaned_data)
        narrowed = filtering(form.cleaned_data)
    return render(request, "feed/search.html", {"form": form, "page": page, "filtering": narrowed})


@login_required
def community(request, slug):
    """A community's front page: its posts I may see, newest first, its wiki pages, its owners."""
    community = community_selectors.get_community_for(request.user, slug)
    my_role = community_selectors.my_role(request.user, community)
    owners = list(community_selectors.owners_of(community))
    request_pending = (
        my_role is None
        and community.visibility == Visibility.MODERATED
        and JoinRequest.objects.filter(
            community=community, user=request.user, state=JoinRequest.State.PENDING
        ).exists()
    )
    # Cards with their excerpt and counts, annotated in the page's one query (SPEC §2.5). A
    # top-level query on posts: the rule's SQL compiled once (docs/performance.md).
    posts = post_selectors.with_excerpt(
        post_selectors.with_counts(
            Post.objects.visible_to_compiled(request.user).filter(community=community), request.user
        )
    ).select_related("author", "community").order_by(*feed.ORDERING)
    wiki_pages = post_selectors.wiki_pages_for(request.user, community)[:WIKI_PAGES_SHOWN]
    # Owners answer a staleness flag here (SPEC §4): "still in use" or it is archived after the grace period.
    staleness_review = (
        StalenessReview.objects.filter(community=community, state=StalenessReview.State.FLAGGED).first()
        if my_role == Role.OWNER and not community.is_archived
        else None
    )
    return render(
        request,
        "communities/detail.html",
        {
            "community": community,
            "my_role": my_role,
            "can_write": my_role is not None and not community.is_archived,
            "wiki_pages": wiki_pages,
            "owners": owners,
            "owner_emails": ",".join(m.user.email for m in owners if m.user.email),
            "request_pending": request_pending,
            # A non-member of a moderated community sees none of its posts (SPEC §2.2): the
            # empty state says why and offers the request, whether or not it holds any.
            "join_to_see": my_role is None and community.visibility != Visibility.OPEN,
            "staleness_review": staleness_review,
            # Keyset, as the home feed: no COUNT, no OFFSET; page 400 costs page 1.
            "page": _feed_page(request, posts, COMMUNITY_PAGE_SIZE),
        },
    )
