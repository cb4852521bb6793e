"""Moderation writes (SPEC §3): flags, auto-hide, and one function per action.

Like Zulip's ``do_*`` actions, every function here is atomic, takes a
keyword-only ``actor``, writes its row in the append-only log inside the same
transaction, and notifies the author (SPEC §2.4: no title or reason in the
notification when the item is confidential or strictly confidential — the
author reads the reason on the item's page).

Who may act: the owners and moderators of the item's community who can see
the item by the access rule; anyone else who can see it gets
``PermissionDenied`` (403), and whoever cannot see it ``Http404``. Strictly
confidential items (and the comments under them) are the owners' alone: a
moderator who can see one as a named reader may report it like anyone, but
acting on it is 403.

Decisions worth knowing:

* ``reject`` sets a pending item to ``hidden`` (not ``withdrawn``): the author
  still sees it, with the reason, and an owner may ``restore`` it later;
  ``withdrawn`` stays what SPEC §2.3 makes it, the author's own "delete".
* ``approve``, ``reject``, ``hide``, ``restore`` and ``reclassify`` close the
  item's open flags (the reports were reviewed); ``dismiss`` closes them and,
  if the flags had hidden the item, publishes it again (the item is kept).
* An auto-hidden item keeps its flags open, so it stays in the queue until
  someone reviews it.
* A records hold (SPEC §4) freezes an item: ``hide``, ``reject`` and
  ``reclassify`` of a held item are refused (403, the hold's message). Moderation
  sits below records and may not import it: it asks posts'
  ``item_write_requested``, which records answers. A report on a held item is
  filed, but hides nothing, neither automatically nor for confidentiality: the
  item stays as it is, its flags open, in the queue. ``approve`` (of a pending
  item held from birth, written in a held community), ``restore``, ``dismiss``
  and ``escalate`` stay open: they change neither the item's text nor its level
  and destroy nothing — the record is kept as it is, only who sees it changes —
  and refusing ``approve`` would leave every pre-moderated post of a held
  community waiting until the hold is released.
* An archived community is read-only (SPEC §2.1): no report on its items.
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, OuterRef, Value
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import can_view, role_in
from communities.models import Membership, Role
from notifications.models import Notification
from notifications.services import notify
from posts.models import Comment
from posts.services import item_reclassify, item_write_refusal, notify_mentions_on_publish, request_item_write
from unisocial import items
from unisocial.classification import Level, Status, Visibility, rank
from unisocial.ratelimits import check_hourly

from .models import EscalationCase, Flag, ModerationAction
from .selectors import community_of, level_of, target_of

Action = ModerationAction.Action
# Actions that need a reason from the person acting (the others have a sensible default).
REASON_REQUIRED = {Action.REJECT, Action.HIDE, Action.RECLASSIFY, Action.ESCALATE}


def flag_rate_per_hour() -> int:
    return settings.FLAG_RATE_PER_HOUR


# --- shared -------------------------------------------------------------------------------


def _require_visible(actor, item):
    if not can_view(actor, item):
        raise Http404


def require_moderator(actor, item) -> str:
    """Owners and moderators of the item's community who can see it (else 404 or 403);
    a strictly confidential item (a comment under one too) only its owners (SPEC §3) — a
    moderator who can see it as a named reader gets 403."""
    _require_visible(actor, item)
    role = role_in(actor, community_of(item))
    if not may_moderate(role, item):
        if role == Role.MODERATOR:
            raise PermissionDenied(_("Only the community's owners moderate strictly confidential items."))
        raise PermissionDenied(_("Only the community's owners and moderators can moderate it."))
    return role


def may_moderate(role, item) -> bool:
    """An owner; a moderator, below strictly confidential (SPEC §3). For someone who can see the
    item: what ``require_moderator`` decides after visibility, asked without raising (the pages
    ask it before offering the actions)."""
    return role == Role.OWNER or (role == Role.MODERATOR and level_of(item) != Level.STRICTLY_CONFIDENTIAL)


def actions_for(item, *, open_flags: bool, open_case: bool) -> list[str]:
    """The actions the item's state admits, in the order the pages offer them; the functions
    below refuse the others with a message all the same (SPEC §3)."""
    status = item.status
    offered = []
    if status == Status.PENDING:
        offered += [Action.APPROVE, Action.REJECT]
    if status == Status.PUBLISHED:
        offered.append(Action.HIDE)
    if status == Status.HIDDEN:
        offered.append(Action.RESTORE)
    if open_flags:
        offered.append(Action.DISMISS)
    if status in (Status.PUBLISHED, Status.PENDING, Status.HIDDEN) and raise_levels(item):
        offered.append(Action.RECLASSIFY)
    if not open_case and status in (Status.PUBLISHED, Status.PENDING, Status.HIDDEN):
        offered.append(Action.ESCALATE)
    return offered


def raise_levels(item) -> list[str]:
    """The levels moderation may raise a post or wiki page to: above its own, up to its
    community's ceiling (SPEC §3)."""
    if isinstance(item, Comment):
        return []
    ceiling = community_of(item).ceiling
    return [level for level in Level.values if rank(item.classification) < rank(level) <= rank(ceiling)]


def _reason(action, reason) -> str:
    reason = (reason or "").strip()
    if not reason and action in REASON_REQUIRED:
        raise ValidationError({"reason": _("Give a reason for this action.")})
    return reason[:2000]


def _log(*, actor, action, item, reason, from_level=None, to_level=None) -> ModerationAction:
    target_type, target_id = target_of(item)
    level = level_of(item)
    return ModerationAction.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        community=community_of(item),
        reason=reason,
        from_level=from_level or level,
        to_level=to_level or level,
    )


def _set_status(item, status, *, actor, action):
    """Change an item's status (a revision in its history, as every change is)."""
    fresh = type(item).objects.select_for_update().filter(pk=item.pk).first()
    fresh.status = status
    fresh._history_user = actor
    fresh._change_reason = f"moderation: {action}"
    fresh.save(update_fields=["status"])
    item.status = status
    return item


def _close_flags(item, *, actor) -> int:
    target_type, target_id = target_of(item)
    return Flag.objects.filter(target_type=target_type, target_id=target_id, state=Flag.State.OPEN).update(
        state=Flag.State.CLOSED, closed_by=actor, closed_at=timezone.now()
    )


def _open_flags(item):
    target_type, target_id = target_of(item)
    return Flag.objects.filter(target_type=target_type, target_id=target_id, state=Flag.State.OPEN)


def _notify_author(item, entry, *, actor):
    """Tell the author what happened to their item (SPEC §3); content-free above unclassified (§2.4).

    Only while the author can see the item after the action (SPEC §2.2: an author who left C
    sees nothing of C beyond the open row, their own items included): an author who left is
    not told — not even content-free, since the notice would name C and link to a 404."""
    if actor is not None and item.author_id == actor.pk:
        return []
    if not can_view(item.author, item):
        return []
    level = level_of(item)
    community = community_of(item)
    # The sentence is written when read (moderation.notices): the reason only while the item is
    # unclassified then (it may quote the item, SPEC §2.4).
    data = {"action": entry.action, "what": items.type_of(item)}
    if entry.reason:
        data["reason"] = entry.reason
    return notify(
        [item.author_id],
        kind=Notification.Kind.MODERATION,
        event="moderation_outcome",
        actor=actor,
        data=data,
        community=community,
        url=item.get_absolute_url(),
        classification=level,
        target=target_of(item),
    )


def _hide(item, *, actor, reason, action=Action.HIDE) -> ModerationAction:
    _set_status(item, Status.HIDDEN, actor=actor, action=action)
    entry = _log(actor=actor, action=action, item=item, reason=reason)
    _notify_author(item, entry, actor=actor)
    return entry


# --- flags --------------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, actor, item, reason, note="") -> Flag:
    """Report an item the actor can see, once (SPEC §3); may hide it at once.

    The item is hidden when the distinct people with an open report reach the
    community's ``auto_hide_threshold``, or at once when an owner or moderator
    reports it for ``confidentiality``.
    """
    _require_visible(actor, item)
    if item.author_id == actor.pk:
        raise PermissionDenied(_("You cannot report your own item: edit or delete it instead."))
    if community_of(item).is_archived:
        raise PermissionDenied(_("This community is archived and read-only: its items can no longer be reported."))
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose a reason for your report.")})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("Keep the note under 2,000 characters.")})
    target_type, target_id = target_of(item)
    if Flag.objects.filter(flagger=actor, target_type=target_type, target_id=target_id).exists():
        raise ValidationError({"target_id": _("You have already reported this item.")})
    check_hourly(
        Flag.objects.filter(flagger=actor),
        limit=flag_rate_per_hour(),
        message=_("You have sent too many reports in the last hour (at most %(n)d). Please try again later.")
        % {"n": flag_rate_per_hour()},
    )
    community = community_of(item)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                target_type=target_type, target_id=target_id, community=community,
                flagger=actor, reason=reason, note=note,
            )
    except IntegrityError:  # a second request raced the check above
        raise ValidationError({"target_id": _("You have already reported this item.")}) from None

    if item.status not in (Status.PUBLISHED, Status.PENDING):
        return flag
    if item_write_refusal(item) is not None:
        # Under a records hold (SPEC §4): the report is filed and stays open in the queue, but
        # the item is not hidden — not automatically, not for confidentiality. It stays as it is.
        return flag
    if reason == Flag.Reason.CONFIDENTIALITY and may_moderate(role_in(actor, community), item):
        _hide(
            item,
            actor=actor,
            reason=_("Reported for confidentiality by an owner or moderator.") + (f" {note}" if note else ""),
        )
    elif item.status == Status.PUBLISHED:
        flaggers = _open_flags(item).values("flagger_id").distinct().count()
        if flaggers >= community.auto_hide_threshold:
            _hide(
                item,
                actor=None,
                reason=_("Hidden automatically: %(n)d people reported it.") % {"n": flaggers},
            )
    return flag


# --- actions ------------------------------------------------------------------------------


@transaction.atomic
def item_approve(*, actor, item, reason="") -> ModerationAction:
    """Pre-moderation: publish a pending item."""
    require_moderator(actor, item)
    if item.status != Status.PENDING:
        raise ValidationError({"action": _("Only an item awaiting approval can be approved.")})
    reason = _reason(Action.APPROVE, reason)
    _set_status(item, Status.PUBLISHED, actor=actor, action=Action.APPROVE)
    _close_flags(item, actor=actor)
    if not isinstance(item, Comment):
        notify_mentions_on_publish(item)  # held back while the item was pending
    entry = _log(actor=actor, action=Action.APPROVE, item=item, reason=reason)
    _notify_author(item, entry, actor=actor)
    return entry


@transaction.atomic
def item_reject(*, actor, item, reason) -> ModerationAction:
    """Pre-moderation: refuse a pending item. It becomes ``hidden`` (see the module docstring)."""
    require_moderator(actor, item)
    if item.status != Status.PENDING:
        raise ValidationError({"action": _("Only an item awaiting approval can be rejected.")})
    request_item_write(item)  # a held item is not hidden (SPEC §4; records answers)
    reason = _reason(Action.REJECT, reason)
    _close_flags(item, actor=actor)
    return _hide(item, actor=actor, reason=reason, action=Action.REJECT)


@transaction.atomic
def item_dismiss(*, actor, item, reason="") -> ModerationAction:
    """Keep the item and close its open flags; publish it again if the flags had hidden it."""
    require_moderator(actor, item)
    reason = _reason(Action.DISMISS, reason)
    if not _close_flags(item, actor=actor):
        raise ValidationError({"action": _("There are no open reports about this item.")})
    if item.status == Status.HIDDEN:
        _set_status(item, Status.PUBLISHED, actor=actor, action=Action.DISMISS)
    entry = _log(actor=actor, action=Action.DISMISS, item=item, reason=reason)
    _notify_author(item, entry, actor=actor)
    return entry


@transaction.atomic
def item_hide(*, actor, item, reason) -> ModerationAction:
    require_moderator(actor, item)
    if item.status not in (Status.PUBLISHED, Status.PENDING):
        raise ValidationError({"action": _("This item is already hidden.")})
    request_item_write(item)  # a held item is not hidden (SPEC §4; records answers)
    reason = _reason(Action.HIDE, reason)
    _close_flags(item, actor=actor)
    return _hide(item, actor=actor, reason=reason)


@transaction.atomic
def item_restore(*, actor, item, reason="") -> ModerationAction:
    """Publish a hidden item again."""
    require_moderator(actor, item)
    if item.status != Status.HIDDEN:
        raise ValidationError({"action": _("Only a hidden item can be restored.")})
    reason = _reason(Action.RESTORE, reason)
    _set_status(item, Status.PUBLISHED, actor=actor, action=Action.RESTORE)
    _close_flags(item, actor=actor)
    entry = _log(actor=actor, action=Action.RESTORE, item=item, reason=reason)
    _notify_author(item, entry, actor=actor)
    return entry


@transaction.atomic
def item_moderation_reclassify(*, actor, item, classification, reason) -> ModerationAction:
    """Raise a post's or wiki page's level, up to the community's ceiling (SPEC §3)."""
    require_moderator(actor, item)
    if isinstance(item, Comment):
        raise ValidationError({"classification": _("A comment has its post's level: reclassify the post.")})
    request_item_write(item)  # item_reclassify asks too; refused before the level is checked (SPEC §4)
    reason = _reason(Action.RECLASSIFY, reason)
    old = item.classification
    if classification not in Level.values or rank(classification) <= rank(old):
        raise ValidationError({"classification": _("Moderation can only raise the level.")})
    item_reclassify(actor=actor, item=item, classification=classification, reason=reason)
    item.classification = classification
    _close_flags(item, actor=actor)
    entry = _log(
        actor=actor, action=Action.RECLASSIFY, item=item, reason=reason, from_level=old, to_level=classification
    )
    _notify_author(item, entry, actor=actor)
    return entry


@transaction.atomic
def item_escalate(*, actor, item, reason) -> EscalationCase:
    """Report an item to management: a case, ``escalated_at`` set (system managers may now
    see the item, every view logged), and the system managers notified."""
    require_moderator(actor, item)
    reason = _reason(Action.ESCALATE, reason)
    target_type, target_id = target_of(item)
    if EscalationCase.objects.filter(target_type=target_type, target_id=target_id, resolved_at__isnull=True).exists():
        raise ValidationError({"action": _("This item has already been reported to management.")})
    now = timezone.now()
    type(item).objects.filter(pk=item.pk).update(escalated_at=now)
    item.escalated_at = now
    community = community_of(item)
    case = EscalationCase.objects.create(
        target_type=target_type, target_id=target_id, community=community, escalated_by=actor, reason=reason,
        created_at=now,
    )
    entry = _log(actor=actor, action=Action.ESCALATE, item=item, reason=reason)
    level = level_of(item)
    # A system manager who may not see the community (restricted, not a member) is told what
    # the escalation covers, not the community's name (SPEC §2.1: it does not exist for them);
    # the sentences are written when read (moderation.notices).
    managers = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(pk=actor.pk)
    sees_community = Exists(
        Membership.objects.active().filter(user_id=OuterRef("pk"), content_object_id=community.pk)
    ) if community.visibility == Visibility.RESTRICTED else Value(True, output_field=BooleanField())
    by_sight = dict(managers.annotate(sees=sees_community).values_list("pk", "sees"))
    for sees in (True, False):
        notify(
            [pk for pk, s in by_sight.items() if bool(s) is sees],
            kind=Notification.Kind.MODERATION,
            event="escalation" if sees else "escalation_unnamed",
            actor=actor,
            data={"what": target_type},
            community=community if sees else None,
            url=reverse("admin:moderation_escalationcase_change", args=[case.pk]),
            classification=level,
            target=(target_type, target_id),
        )
    _notify_author(item, entry, actor=actor)
    return case


@transaction.atomic
def case_resolve(*, actor, case, resolution="") -> EscalationCase:
    """A system manager closes a case; the item is no longer visible to management."""
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only system managers resolve escalations."))
    case = EscalationCase.objects.select_for_update().get(pk=case.pk)
    if case.resolved_at is not None:
        raise ValidationError({"action": _("This case is already resolved.")})
    case.resolved_at = timezone.now()
    case.resolved_by = actor
    case.resolution = (resolution or "").strip()[:2000]
    case.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    from .selectors import MODELS

    model = MODELS[case.target_type]
    model.objects.filter(pk=case.target_id).update(escalated_at=None)
    ModerationAction.objects.create(
        actor=actor, action=Action.RESOLVE, target_type=case.target_type, target_id=case.target_id,
        community=case.community, reason=case.resolution,
    )
    return case


ACTIONS = {
    Action.APPROVE: item_approve,
    Action.REJECT: item_reject,
    Action.DISMISS: item_dismiss,
    Action.HIDE: item_hide,
    Action.RESTORE: item_restore,
    Action.RECLASSIFY: item_moderation_reclassify,
    Action.ESCALATE: item_escalate,
}


def moderate(*, actor, item, action, reason="", classification=None):
    """Run one of the actions by name (the API and the admin pages' bulk actions)."""
    if action not in ACTIONS:
        raise ValidationError({"action": _("Unknown action.")})
    if action == Action.RECLASSIFY:
        return item_moderation_reclassify(actor=actor, item=item, classification=classification, reason=reason)
    return ACTIONS[action](actor=actor, item=item, reason=reason)
