"""Archiving and un-archiving a community (SPEC §4): records actions, in the records audit log.

An archived community is read-only for everyone (SPEC §2.1). Records officers archive and
un-archive one here (the records page ``/records/archiving/`` and the API
``records/communities/{slug}/archive/`` and ``…/unarchive/``); the staleness job archives the
communities whose owners did not answer (``records.staleness``, its own audit row). Nothing
else changes ``is_archived``: it is read-only in the admin and in the communities API.

Decisions:

* Both need a records officer (un-archiving is theirs alone, SPEC §4; archiving by hand is a
  records decision too — owners ask the records officers) and a reason, kept in the audit row.
* Archiving closes an open staleness flag on the community as archived, so the staleness job
  does not archive it a second time (nor log it twice).
* Un-archiving records an officer's "still in use" (a ``StalenessReview`` resolved at once): the
  staleness clock restarts without pretending there was activity, as an owner's confirmation
  does — otherwise the next sweep would flag the community again at once.
* The owners are notified of both, content-free (the community's name).
* A community under a records hold may be archived or un-archived: neither destroys anything.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community

from .audit import audit, require_records_officer
from .models import StalenessReview
from .staleness import _notify_owners

Review = StalenessReview


def _reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason (it is kept in the records audit log).")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason under 2,000 characters.")})
    return reason


def _locked(community) -> Community:
    return Community.objects.select_for_update().get(pk=community.pk)


@transaction.atomic
def community_archive(*, actor, community, reason) -> Community:
    """Archive ``community`` (read-only from now on), logged with the officer and the reason."""
    require_records_officer(actor)
    reason = _reason(reason)
    community = _locked(community)
    if community.is_archived:
        raise ValidationError({"detail": _("%(community)s is already archived.") % {"community": community.slug}})
    now = timezone.now()
    community.is_archived = True
    community.archived_at = now
    community.save(update_fields=["is_archived", "archived_at"])
    closed = Review.objects.filter(community=community, state=Review.State.FLAGGED).update(
        state=Review.State.ARCHIVED, resolved_at=now, resolved_by=actor
    )
    audit("community_archived", actor=actor, target_type="community", target_id=community.pk,
          reason=reason, archived_at=now.isoformat(), closed_staleness_flag=bool(closed))
    _notify_owners([community], now, "archived_by_officers", actor=actor)
    return community


@transaction.atomic
def community_unarchive(*, actor, community, reason) -> Community:
    """Un-archive ``community`` (records officers only, SPEC §4), logged with the reason."""
    require_records_officer(actor)
    reason = _reason(reason)
    community = _locked(community)
    if not community.is_archived:
        raise ValidationError({"detail": _("%(community)s is not archived.") % {"community": community.slug}})
    now = timezone.now()
    archived_at = community.archived_at
    community.is_archived = False
    community.archived_at = None
    community.save(update_fields=["is_archived", "archived_at"])
    # The officer's "still in use": the staleness clock restarts (see the module docstring).
    Review.objects.create(
        community=community, state=Review.State.STILL_IN_USE, last_activity_at=community.last_activity_at,
        flagged_at=now, grace_until=now, resolved_at=now, resolved_by=actor,
    )
    audit("community_unarchived", actor=actor, target_type="community", target_id=community.pk,
          reason=reason, archived_at=archived_at.isoformat() if archived_at else None)
    _notify_owners([community], now, "unarchived_by_officers", actor=actor)
    return community
