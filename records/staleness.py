"""Staleness (SPEC §4): inactive communities are flagged, their owners notified; an
owner may answer "still in use"; without an answer within the grace period the
community is archived (read-only). Everything is dated (``StalenessReview``)
and logged (``RecordsAuditLog``).

A community is stale when it has had no activity for ``STALE_COMMUNITY_DAYS``
and no owner confirmed it in use within that time either: a confirmation
resets the clock without pretending there was activity. The queries are
set-based: one query finds the stale communities, one insert flags them.
"""
import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Membership, Role
from posts.models import Notification
from posts.notifications import notify
from unisocial.access import role_in

from .audit import audit, audit_many
from .models import StalenessReview

Review = StalenessReview


def stale_cutoff(now):
    return now - dt.timedelta(days=settings.STALE_COMMUNITY_DAYS)


def stale_communities(*, now):
    """Communities inactive and unconfirmed since the cutoff, not archived, not already flagged."""
    cutoff = stale_cutoff(now)
    open_review = Review.objects.filter(community=OuterRef("pk"), state=Review.State.FLAGGED)
    recent_confirmation = Review.objects.filter(
        community=OuterRef("pk"), state=Review.State.STILL_IN_USE, resolved_at__gte=cutoff
    )
    return Community.objects.filter(is_archived=False, last_activity_at__lt=cutoff).exclude(
        Exists(open_review) | Exists(recent_confirmation)
    )


def _owners_by_community(community_ids, now) -> dict[int, list[int]]:
    owners = defaultdict(list)
    rows = Membership.objects.active(now).filter(role=Role.OWNER, content_object_id__in=community_ids)
    for community_id, user_id in rows.values_list("content_object_id", "user_id"):
        owners[community_id].append(user_id)
    return owners


def flag_stale_communities(*, now) -> int:
    grace_until = now + dt.timedelta(days=settings.STALE_GRACE_DAYS)
    communities = list(stale_communities(now=now).only("id", "name", "slug", "last_activity_at"))
    if not communities:
        return 0
    Review.objects.bulk_create(
        [
            Review(community=c, last_activity_at=c.last_activity_at, flagged_at=now, grace_until=grace_until)
            for c in communities
        ],
        batch_size=1000,
    )
    owners = _owners_by_community([c.pk for c in communities], now)
    for c in communities:
        notify(
            owners.get(c.pk, []),
            kind=Notification.Kind.RECORDS,
            community=c,
            message=_(
                "%(community)s has had no activity since %(since)s. If it is still in use, confirm it by "
                "%(until)s; otherwise it will be archived (read-only)."
            ) % {"community": c.name, "since": f"{c.last_activity_at:%Y-%m-%d}", "until": f"{grace_until:%Y-%m-%d}"},
            url=f"/communities/{c.slug}/",
        )
    audit_many(
        {
            "action": "community_flagged_stale",
            "target_type": "community",
            "target_id": c.pk,
            "details": {
                "last_activity_at": c.last_activity_at.isoformat(),
                "flagged_at": now.isoformat(),
                "grace_until": grace_until.isoformat(),
                "owners_notified": len(owners.get(c.pk, [])),
            },
        }
        for c in communities
    )
    return len(communities)


def archive_stale_communities(*, now) -> dict:
    """Archive the flagged communities whose grace period ended without a confirmation.

    A community that became active again after it was flagged is not archived:
    its review closes as still in use (by the system).
    """
    cutoff = stale_cutoff(now)
    due = Review.objects.filter(state=Review.State.FLAGGED, grace_until__lte=now)
    revived = list(due.filter(community__last_activity_at__gte=cutoff).values_list("pk", "community_id"))
    if revived:
        Review.objects.filter(pk__in=[pk for pk, _c in revived]).update(
            state=Review.State.STILL_IN_USE, resolved_at=now
        )
        audit_many(
            {"action": "community_stale_cleared_by_activity", "target_type": "community", "target_id": cid}
            for _pk, cid in revived
        )
    to_archive = list(
        due.exclude(community__last_activity_at__gte=cutoff)
        .select_related("community")
        .only("id", "community", "community__name", "community__slug", "community__is_archived")
    )
    if not to_archive:
        return {"archived": 0, "cleared": len(revived)}
    community_ids = [r.community_id for r in to_archive]
    Community.objects.filter(pk__in=community_ids, is_archived=False).update(is_archived=True, archived_at=now)
    Review.objects.filter(pk__in=[r.pk for r in to_archive]).update(state=Review.State.ARCHIVED, resolved_at=now)
    owners = _owners_by_community(community_ids, now)
    for review in to_archive:
        c = review.community
        notify(
            owners.get(c.pk, []),
            kind=Notification.Kind.RECORDS,
            community=c,
            message=_("%(community)s was archived for inactivity: it is now read-only.") % {"community": c.name},
            url=f"/communities/{c.slug}/",
        )
    audit_many(
        {
            "action": "community_archived_stale",
            "target_type": "community",
            "target_id": r.community_id,
            "details": {"archived_at": now.isoformat(), "review": r.pk},
        }
        for r in to_archive
    )
    return {"archived": len(to_archive), "cleared": len(revived)}


def staleness_sweep(*, now=None) -> dict:
    now = now or timezone.now()
    archived = archive_stale_communities(now=now)
    flagged = flag_stale_communities(now=now)
    return {"flagged": flagged, **archived}


@transaction.atomic
def community_still_in_use(*, actor, community, now=None) -> StalenessReview:
    """An owner answers a staleness flag: the community stays, the clock restarts."""
    now = now or timezone.now()
    if role_in(actor, community) != Role.OWNER:
        raise PermissionDenied(_("Only the community's owners may confirm it is still in use."))
    review = Review.objects.select_for_update().filter(community=community, state=Review.State.FLAGGED).first()
    if review is None:
        raise ValidationError({"detail": _("This community is not flagged as inactive.")})
    review.state = Review.State.STILL_IN_USE
    review.resolved_at = now
    review.resolved_by = actor
    review.save(update_fields=["state", "resolved_at", "resolved_by"])
    audit("community_still_in_use", actor=actor, target_type="community", target_id=community.pk,
          review=review.pk, confirmed_at=now.isoformat())
    return review
