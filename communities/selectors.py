"""Reads on communities, all through the access rule (communities/access.py)."""
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from communities.access import role_in

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
