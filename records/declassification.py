"""Declassification review (SPEC §4, ST/SGB/2007/6).

Confidential posts and wiki pages created more than ``DECLASSIFICATION_REVIEW_YEARS``
(default 20) years ago are *listed for declassification*; strictly confidential
ones are *listed for review*. Nothing is declassified automatically: no task and
no beat job touches a level. A records officer (or the item's author) decides,
one item at a time, and every decision is a ``DeclassificationReview`` row plus a
``RecordsAuditLog`` row; a declassification is also a revision of the item with
the change reason "Declassified (ST/SGB/2007/6): …".

Rules as built (docs/records.md, "Declassification review"):

* **Listed**: level confidential or strictly confidential, ``created_at`` before
  the cut-off, any status — withdrawn items too: they are kept for records until
  disposition, and the level they carry is the marking their archive package
  will bear. Pending and hidden ones likewise. Disposed-of items are gone.
* **Reviewed**: the item's latest review left it at the level it has now
  (``latest_to_level == classification``); raising it again afterwards makes it
  "not yet reviewed" at its new level.
* **Who**: records officers act on listed items by id without seeing them (the
  selectors return metadata only); the author acts on their own items *they can
  see* under the access rule (an item they cannot see is not found, a visible
  item of someone else is forbidden). Only records officers record "kept".
* **Holds**: a hold freezes an item for an investigation or a legal or access
  request, so it blocks a declassification — except a hold of category
  ``declassification_request``, which exists precisely while a declassification
  is processed: it keeps the item from disposition, and the declassification it
  was placed for may go ahead (the officer releases the hold afterwards, itself a
  logged step). "Kept" changes nothing on the item and is allowed under any hold.
* **Archived communities**: a declassification is a records action, like
  disposition, not an edit by a member: it is allowed in archived communities
  (where most 20-year-old content lives).
* **Not activity**: a declassification saves only ``classification``; it does not
  move ``updated_at``, so it does not restart the item's retention clock.
* **Author's ordinary path**: lowering a listed item through the §2.3 edit paths
  (``posts.services.post_update`` / ``wiki_update`` / ``item_reclassify``, which
  keep their own rules: members only, no holds, not archived) is recorded here
  too by ``record_lowering`` (posts announces every lowering with the signal
  ``posts.signals.item_level_lowered``), so the review list never shows as
  unreviewed an item whose author already lowered it.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Count, DateTimeField, F, OuterRef, Q, Subquery, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import can_view, visible_q
from posts.services import item_change_level
from unisocial import items
from unisocial.classification import Level, rank

from .audit import audit
from .holds import active_holds
from .models import ContentType, DeclassificationReview, Hold

# The ``via`` of posts' level change when a declassification lowers the item.
DECLASSIFICATION = "declassification"
REVIEW_LEVELS = (Level.CONFIDENTIAL.value, Level.STRICTLY_CONFIDENTIAL.value)
TARGET_TYPES = (ContentType.POST.value, ContentType.WIKI.value)
REASON_MAX = 2000
# simple-history's change reason column holds 100 characters; the full reason is on the review row.
CHANGE_REASON_MAX = 100
ROW_FIELDS = [
    "target_type", "target_id", "community_id", "level", "status", "created_at", "last_activity",
    "latest_decision", "latest_from_level", "latest_to_level", "latest_decided_at", "latest_decided_by",
]


# --- when -------------------------------------------------------------------------------------


def review_years() -> int:
    return settings.DECLASSIFICATION_REVIEW_YEARS


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """``moment`` minus whole calendar years (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def cutoff(now=None) -> dt.datetime:
    """Items created before this moment are old enough to be listed."""
    return years_before(now or timezone.now(), review_years())


def is_listed(item, now=None) -> bool:
    """Whether ``item`` (a post or wiki page, as loaded) is in the review list."""
    return _was_listed(item, item.classification, now)


def _was_listed(item, level, now=None) -> bool:
    """Whether ``item`` at ``level`` (its level now, or the one it had before a change) is listed."""
    return level in REVIEW_LEVELS and item.created_at < cutoff(now)


def listed_for(level) -> str:
    """What the list asks about an item at ``level``: declassification (confidential) or review."""
    return _("Declassification") if level == Level.CONFIDENTIAL else _("Review")


# --- selectors --------------------------------------------------------------------------------


def _models():
    return {name: items.item_type(name).model for name in TARGET_TYPES}


def target_type_of(item) -> str:
    name = items.type_of(item)
    if name not in TARGET_TYPES:
        raise TypeError(f"not a post or wiki page: {item!r}")
    return name


def _latest_review(target_type):
    return DeclassificationReview.objects.filter(target_type=target_type, target_id=OuterRef("pk")).order_by(
        "-decided_at", "-id"
    )


def _listed(target_type, *, now=None, author=None):
    """Listed items of one type, with their latest review's decision (no access rule for
    records officers: metadata only; for an author, their own items they can see)."""
    model = _models()[target_type]
    rows = model.objects.order_by().filter(classification__in=REVIEW_LEVELS, created_at__lt=cutoff(now))
    if author is not None:
        rows = rows.filter(author_id=author.pk).filter(visible_q(model, author))
    latest = _latest_review(target_type)
    return rows.annotate(
        latest_decision=Subquery(latest.values("decision")[:1], output_field=CharField()),
        latest_from_level=Subquery(latest.values("from_level")[:1], output_field=CharField()),
        latest_to_level=Subquery(latest.values("to_level")[:1], output_field=CharField()),
        latest_decided_at=Subquery(latest.values("decided_at")[:1], output_field=DateTimeField()),
        latest_decided_by=Subquery(latest.values("decided_by__username")[:1], output_field=CharField()),
    )


REVIEWED = Q(latest_to_level=F("classification"))


def due_for_review(*, now=None, level=None, community_id=None, target_type=None, review=None, author=None):
    """The review list as one set-based queryset of dicts (``ROW_FIELDS``), oldest first.

    Filters: ``level`` (confidential / strictly_confidential), ``community_id``,
    ``target_type`` (post / wiki), ``review`` ("unreviewed" or "reviewed").
    ``author``: only that person's own items they can see (the author's view).
    Metadata only: no title, no body.
    """
    from .disposition import with_last_activity

    parts = []
    for kind in TARGET_TYPES:
        if target_type and kind != target_type:
            continue
        rows = _listed(kind, now=now, author=author)
        if level:
            rows = rows.filter(classification=level)
        if community_id is not None:
            rows = rows.filter(community_id=community_id)
        if review == "reviewed":
            rows = rows.filter(REVIEWED)
        elif review == "unreviewed":
            rows = rows.filter(Q(latest_to_level__isnull=True) | ~REVIEWED)  # NULL: never reviewed
        activity = with_last_activity(kind).filter(pk=OuterRef("pk")).values("last_activity")[:1]
        rows = rows.annotate(
            target_type=Value(kind, output_field=CharField()),
            target_id=F("pk"),
            level=F("classification"),
            last_activity=Subquery(activity, output_field=DateTimeField()),
        ).values(*ROW_FIELDS)
        parts.append(rows)
    if not parts:
        return _listed(ContentType.POST).none().values(*ROW_FIELDS)
    combined = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return combined.order_by("created_at", "target_type", "target_id")


def review_counts(*, now=None) -> dict:
    """How many items are listed at each level, and how many of them are reviewed (two queries)."""
    counts = {"confidential": 0, "confidential_reviewed": 0, "strictly_confidential": 0,
              "strictly_confidential_reviewed": 0}
    for kind in TARGET_TYPES:
        found = _listed(kind, now=now).aggregate(
            confidential=Count("pk", filter=Q(classification=Level.CONFIDENTIAL)),
            confidential_reviewed=Count("pk", filter=Q(classification=Level.CONFIDENTIAL) & REVIEWED),
            strictly_confidential=Count("pk", filter=Q(classification=Level.STRICTLY_CONFIDENTIAL)),
            strictly_confidential_reviewed=Count(
                "pk", filter=Q(classification=Level.STRICTLY_CONFIDENTIAL) & REVIEWED
            ),
        )
        for key, value in found.items():
            counts[key] += value or 0
    counts["reviewed"] = counts["confidential_reviewed"] + counts["strictly_confidential_reviewed"]
    counts["total"] = counts["confidential"] + counts["strictly_confidential"]
    return counts


def is_records_officer(actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_records_officer)


def load_target(*, actor, target_type, target_id):
    """The post or wiki page a decision names. Records officers find any item by id (they
    act on listed items without seeing them); anyone else only what the access rule
    lets them see — another item is not found (404), whether it exists or not."""
    model = _models().get(target_type)
    if model is None:
        raise ValidationError({"target_type": _("Choose post or wiki.")})
    rows = model.objects.all() if is_records_officer(actor) else model.objects.visible_to(actor)
    item = rows.filter(pk=target_id).first()
    if item is None:
        raise Http404(_("There is no such item."))
    return item


# --- services ---------------------------------------------------------------------------------


def _decider(actor, item, *, officers_only=False) -> str:
    """``"records_officer"`` or ``"author"``; anyone else: 404 if they cannot see the item, else 403."""
    if is_records_officer(actor):
        return "records_officer"
    if not can_view(actor, item):
        raise Http404(_("There is no such item."))
    if officers_only:
        raise PermissionDenied(_("Only records officers record that an item was reviewed and kept."))
    if item.author_id != actor.pk:
        raise PermissionDenied(_("Only the author or a records officer may declassify this item."))
    return "author"


def _clean_reason(reason) -> str:
    reason = (reason if isinstance(reason, str) else "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this decision.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under 2,000 characters.")})
    return reason


def _require_listed(item, now=None) -> None:
    if item.classification not in REVIEW_LEVELS:
        raise ValidationError({"detail": _(
            "This item is %(level)s: only confidential and strictly confidential items are reviewed for "
            "declassification."
        ) % {"level": Level(item.classification).label}})
    if item.created_at >= cutoff(now):
        raise ValidationError({"detail": _(
            "This item is not in the declassification review list: it was created less than %(years)d years "
            "ago. Use the ordinary way to lower a level (its author or the community's owners, with a reason)."
        ) % {"years": review_years()}})


def blocking_holds(target_type, target_id, community_id):
    """Active holds on the item or its community that stop a declassification: all but
    declassification requests (placed precisely while one is processed)."""
    return active_holds().filter(
        Q(target_type=target_type, target_id=target_id)
        | Q(target_type=ContentType.COMMUNITY, target_id=community_id)
    ).exclude(category=Hold.Category.DECLASSIFICATION_REQUEST)


def _lock(item):
    return type(item).objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def declassify(*, actor, item, to_level, reason, now=None) -> DeclassificationReview:
    """Lower a listed item's level (records officer, or the item's author), logged.

    One transaction, the item's row locked: the level, a revision with the change
    reason, the reader grants dropped when leaving strictly confidential, the review
    row, the audit row, the author's notification (content-free).
    """
    role = _decider(actor, item)
    item = _lock(item)
    target_type = target_type_of(item)
    _require_listed(item, now)
    from_level = item.classification
    if to_level not in Level.values or rank(to_level) >= rank(from_level):
        raise ValidationError({"to_level": _("Choose a level lower than %(level)s.")
                               % {"level": Level(from_level).label}})
    reason = _clean_reason(reason)
    held = list(blocking_holds(target_type, item.pk, item.community_id).values_list("pk", "category"))
    if held:
        raise ValidationError({"detail": _(
            "This item is under a records hold (%(holds)s) and cannot be declassified until the hold is "
            "released. Only a hold for a declassification request allows it."
        ) % {"holds": ", ".join(f"#{pk} {Hold.Category(cat).label}" for pk, cat in held)}})

    # Only the level: a declassification is not activity and does not restart retention.
    item_change_level(
        actor=actor, item=item, classification=to_level, reason=reason, via=DECLASSIFICATION,
        change_reason=f"Declassified (ST/SGB/2007/6): {reason}"[:CHANGE_REASON_MAX], only_level=True,
    )
    review = DeclassificationReview.objects.create(
        target_type=target_type, target_id=item.pk, community_id=item.community_id,
        decision=DeclassificationReview.Decision.DECLASSIFIED, from_level=from_level, to_level=to_level,
        reason=reason, decided_by=actor,
    )
    request_holds = list(
        active_holds().filter(
            Q(target_type=target_type, target_id=item.pk)
            | Q(target_type=ContentType.COMMUNITY, target_id=item.community_id),
            category=Hold.Category.DECLASSIFICATION_REQUEST,
        ).values_list("pk", flat=True)
    )
    audit("declassified", actor=actor, target_type=target_type, target_id=item.pk, review=review.pk,
          community_id=item.community_id, from_level=from_level, to_level=to_level, by=role,
          declassification_request_holds=request_holds)
    _notify_author(item, actor=actor, from_level=from_level)
    return review


@transaction.atomic
def keep(*, actor, item, reason, now=None) -> DeclassificationReview:
    """A records officer reviewed a listed item and keeps it at its level (logged; nothing changes)."""
    _decider(actor, item, officers_only=True)
    item = _lock(item)  # one decision at a time per item
    target_type = target_type_of(item)
    _require_listed(item, now)
    reason = _clean_reason(reason)
    review = DeclassificationReview.objects.create(
        target_type=target_type, target_id=item.pk, community_id=item.community_id,
        decision=DeclassificationReview.Decision.KEPT, from_level=item.classification,
        to_level=item.classification, reason=reason, decided_by=actor,
    )
    audit("declassification_kept", actor=actor, target_type=target_type, target_id=item.pk, review=review.pk,
          community_id=item.community_id, level=item.classification)
    return review


def decide(*, actor, item, decision, to_level=None, reason="", now=None) -> DeclassificationReview:
    """``declassify`` or ``keep``, by ``decision`` (the pages' and the API's one entry point)."""
    if decision == DeclassificationReview.Decision.DECLASSIFIED:
        return declassify(actor=actor, item=item, to_level=to_level, reason=reason, now=now)
    if decision == DeclassificationReview.Decision.KEPT:
        return keep(actor=actor, item=item, reason=reason, now=now)
    raise ValidationError({"decision": _("Choose declassified or kept.")})


def lowering_announced(sender, *, item, previous_level, level, actor, reason="", via="", **kwargs) -> None:
    """Receiver of ``posts.signals.item_level_lowered`` (connected in ``RecordsConfig.ready``):
    a lowering by the ordinary §2.3 paths is recorded by ``record_lowering``; a declassification
    (``declassify``) records its own decision."""
    if via == DECLASSIFICATION:
        return
    record_lowering(actor=actor, item=item, from_level=previous_level, to_level=level, reason=reason)


def record_lowering(*, actor, item, to_level, reason, from_level=None, now=None) -> DeclassificationReview | None:
    """When the ordinary §2.3 path lowers ``item`` from ``from_level`` (by default the level it
    still carries) to ``to_level``, inside its transaction: if the item is listed, the lowering
    is a declassification and is recorded as one. Costs no query for an item that is not listed."""
    from_level = from_level or item.classification
    if not _was_listed(item, from_level, now) or to_level not in Level.values or rank(to_level) >= rank(from_level):
        return None
    target_type = target_type_of(item)
    review = DeclassificationReview.objects.create(
        target_type=target_type, target_id=item.pk, community_id=item.community_id,
        decision=DeclassificationReview.Decision.DECLASSIFIED, from_level=from_level, to_level=to_level,
        reason=(reason or "").strip()[:REASON_MAX] or _("Level lowered"), decided_by=actor,
    )
    audit("declassified", actor=actor, target_type=target_type, target_id=item.pk, review=review.pk,
          community_id=item.community_id, from_level=from_level, to_level=to_level, by="edit")
    return review


def _notify_author(item, *, actor, from_level) -> None:
    """Tell the author their item was declassified: level, community and link only (SPEC §2.4)."""
    from communities.access import item_audience
    from notifications.models import Notification
    from notifications.services import notify

    if item.author_id == actor.pk or not item_audience(item).filter(pk=item.author_id).exists():
        return
    # The sentence is written when read (records.notices), in the author's language.
    notify([item.author_id], kind=Notification.Kind.RECORDS, event="declassified", actor=actor,
           data={"from": from_level, "to": item.classification, "what": target_type_of(item)},
           community=item.community,
           url=item.get_absolute_url(), classification=item.classification,
           target=(target_type_of(item), item.pk))
