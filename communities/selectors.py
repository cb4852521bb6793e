"""Reads on communities, all through the access rule (communities/access.py)."""
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404
from django.utils import timezone

from communities.access import role_in, users_who_can_view

from .models import Community, JoinRequest, Membership, Role


def communities_for(user):
    """The directory: communities ``user`` may see, with their active member count."""
    now = timezone.now()
    active = Q(memberships__expires_at__isnull=True) | Q(memberships__expires_at__gt=now)
    return Community.objects.visible_to(user).annotate(
        member_count=Count("memberships", filter=active, distinct=True)
    )


def get_community_for(user, slug) -> Community:
    """A community ``user`` may see, or 404 (restricted ones do not exist for outsiders)."""
    try:
        return communities_for(user).get(slug=slug)
    except Community.DoesNotExist:
        raise Http404 from None


def members_of(community):
    return (
        Membership.objects.active()
        .filter(content_object=community)
        .select_related("user")
        .order_by("role", "user__username")
    )


def owners_of(community):
    return members_of(community).filter(role=Role.OWNER)


def pending_requests(community):
    return JoinRequest.objects.filter(community=community, state=JoinRequest.State.PENDING).select_related("user")


def my_role(user, community):
    return role_in(user, community)


SUGGESTIONS_LIMIT = 10


def name_starts_q(query) -> Q:
    """People whose username, display name, first or last name starts with ``query`` (any case):
    the people picker's match and the @mention suggestions'."""
    return (
        Q(username__istartswith=query)
        | Q(display_name__istartswith=query)
        | Q(first_name__istartswith=query)
        | Q(last_name__istartswith=query)
    )


def audience_suggestions(*, community, classification, author, reader_ids=(), query, limit=SUGGESTIONS_LIMIT):
    """The @mention suggestions (SPEC §2.3): up to ``limit`` people matching ``query`` who would
    be able to read an item ``author`` writes in ``community`` at ``classification`` with these
    named readers — the access rule read backwards (``users_who_can_view``), never the member list.
    Whoever's username is ``query`` itself comes first, so that asking for a mentioned name tells
    whether that person would read the item. One query."""
    audience = users_who_can_view(
        community=community, classification=classification, author=author, reader_ids=reader_ids
    )
    exact = Case(When(username__iexact=query, then=Value(0)), default=Value(1))
    return (
        audience.filter(name_starts_q(query))
        .alias(exact=exact)
        .only("username", "display_name", "first_name", "last_name")
        .order_by("exact", "username")[:limit]
    )
