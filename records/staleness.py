"""Staleness (SPEC §4): inactive communities are flagged, their owners notified; an
owner may answer "still in use"; without an answer within the grace period the
community is archived (read-only). Everything is dated (``StalenessReview``)
and logged (``RecordsAuditLog``).

A community is stale when it has had no activity for ``STALE_COMMUNITY_DAYS``
and no owner confirmed it in use within that time either: a confirmation
resets the clock without pretending there was activity. The queries are
set-based, a page of ``CHUNK`` communities at a time: one query finds a page
of stale communities, one insert flags them, one notifies their owners, one
writes the audit rows (memory and statements do not grow with the content).
"""
import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import role_in
from communities.models import Community, Membership, Role
from notifications.models import Notification
from unisocial.classification import Level

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


CHUNK = 500


def _pages(queryset, size=None):
    """``queryset`` in pages of ``size`` rows by primary key, each page queried afresh: bounded
    memory, short ``IN`` lists, and safe to write between pages (a page never reads what the
    previous one changed, whatever the database)."""
    size = size or CHUNK
    last = None
    while True:
        rows = queryset.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        page = list(rows[:size])
        if not page:
            return
        yield page
        last = page[-1].pk


def _owners_by_community(community_ids, now) -> dict[int, list[int]]:
    owners = defaultdict(list)
    rows = Membership.objects.active(now).filter(role=Role.OWNER, content_object_id__in=community_ids)
    for community_id, user_id in rows.values_list("content_object_id", "user_id"):
        owners[community_id].append(user_id)
    return owners


def _notify_owners(communities, now, event, data=None, actor=None) -> dict[int, list[int]]:
    """One notification per owner of each community (``event``, its sentence written when read:
    ``records.notices``), written in one insert for the whole page (``notify`` writes one
    community's at a time); ``data(community)`` its extras. Returns the owners."""
    from notifications.services import notify_rows

    owners = _owners_by_community([c.pk for c in communities], now)
    rows = []
    for c in communities:
        extras = data(c) if data else {}
        rows += [
            Notification(recipient_id=uid, kind=Notification.Kind.RECORDS, community_id=c.pk,
                         classification=Level.UNCLASSIFIED, event=event, data=extras,
                         actor_id=getattr(actor, "pk", None), url=f"/communities/{c.slug}/")
            for uid in owners.get(c.pk, [])
        ]
    notify_rows(rows)
    return owners


def flag_stale_communities(*, now) -> int:
    """Flag the stale communities, a page of them at a time: per page one insert of reviews, one of
    notifications and one of audit rows (a fixed number of statements per ``CHUNK`` communities)."""
    grace_until = now + dt.timedelta(days=settings.STALE_GRACE_DAYS)

    def dates(c):
        return {"since": c.last_activity_at.isoformat(), "until": grace_until.isoformat()}

    flagged = 0
    for communities in _pages(stale_communities(now=now).only("id", "name", "slug", "last_activity_at")):
        Review.objects.bulk_create(
            [
                Review(community=c, last_activity_at=c.last_activity_at, flagged_at=now, grace_until=grace_until)
                for c in communities
            ],
            batch_size=1000,
        )
        owners = _notify_owners(communities, now, "community_stale", dates)
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
        flagged += len(communities)
    return flagged


def archive_stale_communities(*, now) -> dict:
    """Archive the flagged communities whose grace period ended without a confirmation.

    A community that became active again after it was flagged is not archived:
    its review closes as still in use (by the system). Both go a page at a time.
    """
    cutoff = stale_cutoff(now)
    due = Review.objects.filter(state=Review.State.FLAGGED, grace_until__lte=now)
    cleared = 0
    for revived in _pages(due.filter(community__last_activity_at__gte=cutoff).only("id", "community_id")):
        Review.objects.filter(pk__in=[r.pk for r in revived]).update(state=Review.State.STILL_IN_USE, resolved_at=now)
        audit_many(
            {"action": "community_stale_cleared_by_activity", "target_type": "community", "target_id": r.community_id}
            for r in revived
        )
        cleared += len(revived)

    archived = 0
    to_archive = (
        due.exclude(community__last_activity_at__gte=cutoff)
        .select_related("community")
        .only("id", "community", "community__name", "community__slug", "community__is_archived")
    )
    for reviews in _pages(to_archive):
        community_ids = [r.community_id for r in reviews]
        Community.objects.filter(pk__in=community_ids, is_archived=False).update(is_archived=True, archived_at=now)
        Review.objects.filter(pk__in=[r.pk for r in reviews]).update(state=Review.State.ARCHIVED, resolved_at=now)
        _notify_owners([r.community for r in reviews], now, "archived_stale")
        audit_many(
            {
                "action": "community_archived_stale",
                "target_type": "community",
                "target_id": r.community_id,
                "details": {"archived_at": now.isoformat(), "review": r.pk},
            }
            for r in reviews
        )
        archived += len(reviews)
    return {"archived": archived, "cleared": cleared}


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
