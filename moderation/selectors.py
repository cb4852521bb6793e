"""Reads for moderation (SPEC §3), all through the access rule.

* ``access_item`` is how moderation loads an item: visible to the user or 404;
* ``moderated_communities`` / ``owned_communities``: where a person is owner or moderator;
* ``moderation_queue``: open flags grouped by item (oldest first, counts per
  reason) plus the items awaiting pre-moderation, limited to what the person
  may see and work (``items_of_communities``: strictly confidential items are
  for owners only, also when a moderator reads one as a named reader) — a
  constant number of queries whatever the size of the queue;
* ``flags_visible_to``: the reports a person may read (their own, and those of
  the items they work);
* ``log_for``: the moderation log rows a person may read.
"""
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.http import Http404

from communities.models import Community, Membership, Role
from posts.models import Comment
from unisocial import items
from unisocial.classification import Level, Status

from .models import EscalationCase, Flag, ModerationAction, TargetType

# The item vocabulary (unisocial/items.py) says what each target type is: its model and the paths
# from it to its community and level. Moderation acts on the item types proper.
MODELS = {name: items.item_type(name).model for name in TargetType.values}
COMMUNITY = {name: items.item_type(name).community_path for name in TargetType.values}
LEVEL = {name: items.item_type(name).level_path for name in TargetType.values}
MODERATOR_ROLES = (Role.OWNER, Role.MODERATOR)


def target_of(item) -> tuple[str, int]:
    return items.type_of(item), item.pk


def community_of(item) -> Community:
    return items.item_type(items.type_of(item)).community_of(item)


def level_of(item) -> str:
    return items.item_type(items.type_of(item)).level_of(item)


def related_for(target_type):
    """What moderation reads of an item of this type (its community, its author)."""
    if target_type == TargetType.COMMENT:
        return ("post__community", "author")
    return ("community", "author")


def access_item(user, target_type, target_id):
    """The only way moderation loads an item: visible to ``user`` or 404 (SPEC §2.2)."""
    model = MODELS.get(target_type)
    if model is None:
        raise Http404
    try:
        return model.objects.visible_to(user).select_related(*related_for(target_type)).get(pk=int(target_id))
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _roles(user, roles):
    if not (user and user.is_authenticated and user.is_active):
        return Membership.objects.none()
    return Membership.objects.active().filter(user_id=user.pk, role__in=roles)


def moderated_communities(user):
    """Communities where ``user`` is an active owner or moderator."""
    return Community.objects.filter(pk__in=_roles(user, MODERATOR_ROLES).values("content_object_id"))


def owned_communities(user):
    return Community.objects.filter(pk__in=_roles(user, [Role.OWNER]).values("content_object_id"))


def is_moderator_anywhere(user) -> bool:
    return _roles(user, MODERATOR_ROLES).exists()


def visible_target_q(user, type_field="target_type", id_field="target_id") -> Q:
    """Rows naming an item (``target_type``/``target_id``) that ``user`` may see."""
    q = Q(pk__in=[])
    for target_type, model in MODELS.items():
        q |= Q(**{type_field: target_type}) & Exists(model.objects.visible_to(user).filter(pk=OuterRef(id_field)))
    return q


def owners_only_q(user, target_type, prefix="") -> Q:
    """SPEC §3: strictly confidential items in the queue are for owners only. True for an
    item (of ``target_type``, its fields under ``prefix``) below strictly confidential, or
    in a community ``user`` owns; a comment has its post's level."""
    return ~Q(**{f"{prefix}{LEVEL[target_type]}": Level.STRICTLY_CONFIDENTIAL}) | Q(
        **{f"{prefix}{COMMUNITY[target_type]}__in": owned_communities(user)}
    )


def items_of_communities(user, model, communities=None):
    """``model`` rows ``user`` works as an owner or moderator (the queue, the admin pages at
    /moderation/, bulk actions): visible to them by the access rule, in the communities
    they moderate, and strictly confidential ones only where they are an owner — a
    moderator who reads such an item as a named reader flags it like anyone, but never
    meets it, its reports or its log here (SPEC §3)."""
    target_type = next(t for t, m in MODELS.items() if m is model._meta.concrete_model)
    scope = moderated_communities(user) if communities is None else communities
    return (
        model.objects.visible_to(user)
        .filter(**{f"{COMMUNITY[target_type]}__in": scope})
        .filter(owners_only_q(user, target_type))
    )


def moderated_target_q(user, type_field="target_type", id_field="target_id") -> Q:
    """Rows naming an item (``target_type``/``target_id``) that ``user`` works as an owner or
    moderator (``items_of_communities``): the queue's flags, their notes, the log."""
    q = Q(pk__in=[])
    for target_type, model in MODELS.items():
        q |= Q(**{type_field: target_type}) & Exists(
            items_of_communities(user, model).filter(pk=OuterRef(id_field))
        )
    return q


def flags_visible_to(user):
    """The flags ``user`` may read (reason, note, who): their own, and those about items they
    work in the queue. Not another reporter's note on an item they only read (SPEC §3)."""
    return Flag.objects.filter(Q(flagger_id=user.pk) | moderated_target_q(user))


def strictly_confidential_target_q(type_field="target_type", id_field="target_id") -> Q:
    """Rows naming a strictly confidential item (a comment: under a strictly confidential post)."""
    q = Q(pk__in=[])
    for target_type, model in MODELS.items():
        level = "post__classification" if target_type == "comment" else "classification"
        q |= Q(**{type_field: target_type}) & Exists(
            model.objects.filter(pk=OuterRef(id_field), **{level: Level.STRICTLY_CONFIDENTIAL})
        )
    return q


def flags_listed_to(user):
    """The flags of the system managers' /admin/ list: about an item ``user`` may see now, and
    for a strictly confidential item only as ``flags_visible_to`` allows (their own reports, or
    an item they work as its owner — SPEC §3: such items in the queue are for owners only)."""
    from unisocial.admin import target_visible_q

    return Flag.objects.filter(target_visible_q(user)).filter(
        ~strictly_confidential_target_q() | Q(flagger_id=user.pk) | moderated_target_q(user)
    )


# --- the queue ----------------------------------------------------------------------------


@dataclass
class QueueEntry:
    """One item in a queue: its open flags counted by reason, or awaiting approval."""

    target_type: str
    target_id: int
    item: object
    since: datetime
    counts: dict = field(default_factory=dict)
    total: int = 0
    flags: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.target_type}:{self.target_id}"

    @property
    def community(self):
        return community_of(self.item)

    @property
    def classification(self):
        return level_of(self.item)

    @property
    def status(self):
        return self.item.status

    @property
    def is_pending(self) -> bool:
        return self.item.status == Status.PENDING

    @property
    def title(self) -> str:
        if isinstance(self.item, Comment):
            return self.item.post.title
        return self.item.title

    @property
    def reason_counts(self) -> list[tuple[str, int]]:
        """(label, count) for each reason with at least one open flag, in the reasons' order."""
        return [(label, self.counts[value]) for value, label in Flag.Reason.choices if self.counts.get(value)]

    @property
    def reports_by_reason(self) -> list[tuple[str, int, list]]:
        """(label, count, the open flags with a note) per reason, in the reasons' order: the
        review card's reports (needs ``with_flags``)."""
        return [
            (label, self.counts[value], [f for f in self.flags if f.reason == value and f.note])
            for value, label in Flag.Reason.choices
            if self.counts.get(value)
        ]


def _reason_counts():
    return {
        f"n_{value}": Count("id", filter=Q(reason=value)) for value in Flag.Reason.values
    }


def moderation_queue(user, community=None, with_flags=False) -> list[QueueEntry]:
    """The queue ``user`` works (SPEC §3), oldest first.

    Open flags grouped by item, with counts per reason, plus items awaiting
    pre-moderation, in the communities ``user`` owns or moderates (or just
    ``community``) and only for items ``user`` may see now: strictly
    confidential items reach owners only (not a moderator who is a named
    reader), withdrawn items nobody.
    Queries: one for the flag groups, one per item type, and one more for
    the flags themselves when ``with_flags``.
    """
    scope = moderated_communities(user)
    if community is not None:
        scope = scope.filter(pk=community.pk)
    groups = list(
        Flag.objects.filter(state=Flag.State.OPEN, community__in=scope)
        .filter(moderated_target_q(user))
        .values("target_type", "target_id")
        .annotate(since=Min("created_at"), total=Count("id"), **_reason_counts())
        .order_by("since", "target_type", "target_id")
    )
    wanted = {t: set() for t in MODELS}
    for group in groups:
        wanted[group["target_type"]].add(group["target_id"])
    items = {}
    for target_type, model in MODELS.items():
        rows = items_of_communities(user, model, scope).filter(
            Q(pk__in=wanted[target_type]) | Q(status=Status.PENDING)
        ).select_related(*related_for(target_type))
        if target_type == TargetType.COMMENT:
            rows = rows.select_related("post")
        for row in rows:
            items[(target_type, row.pk)] = row
    entries = []
    for group in groups:
        item = items.pop((group["target_type"], group["target_id"]), None)
        if item is None:  # changed between the two reads
            continue
        entries.append(
            QueueEntry(
                target_type=group["target_type"],
                target_id=group["target_id"],
                item=item,
                since=group["since"],
                counts={value: group[f"n_{value}"] for value in Flag.Reason.values},
                total=group["total"],
            )
        )
    # What remains is pending without flags: waiting since it was written.
    entries.extend(
        QueueEntry(target_type=t, target_id=pk, item=item, since=item.created_at)
        for (t, pk), item in items.items()
        if item.status == Status.PENDING
    )
    entries.sort(key=lambda e: (e.since, e.target_type, e.target_id))
    if with_flags and entries:
        attach_flags(entries)
    return entries


def attach_flags(entries):
    """The open flags (reason, note, who) of each entry, in one query."""
    by_key = {(e.target_type, e.target_id): e for e in entries}
    q = Q(pk__in=[])
    for target_type in MODELS:
        ids = [pk for (t, pk) in by_key if t == target_type]
        if ids:
            q |= Q(target_type=target_type, target_id__in=ids)
    for flag in Flag.objects.filter(q, state=Flag.State.OPEN).select_related("flagger").order_by("created_at", "id"):
        by_key[(flag.target_type, flag.target_id)].flags.append(flag)
    return entries


def open_cases(entries) -> set[tuple[str, int]]:
    """Which queue entries already have an open escalation case (one query; none for an empty queue)."""
    if not entries:
        return set()
    q = Q(pk__in=[])
    for target_type in MODELS:
        ids = [e.target_id for e in entries if e.target_type == target_type]
        if ids:
            q |= Q(target_type=target_type, target_id__in=ids)
    return set(EscalationCase.objects.filter(q, resolved_at__isnull=True).values_list("target_type", "target_id"))


def reported_by(user, target_type, ids) -> set[int]:
    """Which of these items ``user`` has already reported (one query)."""
    return set(
        Flag.objects.filter(flagger_id=user.pk, target_type=target_type, target_id__in=list(ids)).values_list(
            "target_id", flat=True
        )
    )


# --- the log ------------------------------------------------------------------------------


def _current_level():
    """The item's level now (falling back to the level recorded on the row)."""
    return Case(
        *(
            When(
                target_type=target_type,
                then=Coalesce(
                    Subquery(model.objects.filter(pk=OuterRef("target_id")).values(LEVEL[target_type])[:1]),
                    F("to_level"),
                ),
            )
            for target_type, model in MODELS.items()
        ),
        default=F("to_level"),
    )


def log_for(user, community=None):
    """The log rows ``user`` may read as an owner or moderator (SPEC §3).

    Rows of the communities they moderate; rows about an item that is strictly
    confidential now only for the community's owners (a moderator never learns
    such an item exists).
    """
    scope = moderated_communities(user)
    if community is not None:
        scope = scope.filter(pk=community.pk)
    return (
        ModerationAction.objects.filter(community__in=scope)
        .annotate(current_level=_current_level())
        .filter(~Q(current_level=Level.STRICTLY_CONFIDENTIAL) | Q(community__in=owned_communities(user)))
        .select_related("actor", "community")
    )


# --- what an item's own page says and offers (SPEC §3) ---------------------------------------


@dataclass(frozen=True)
class ModerationState:
    """The true state of an item held back by moderation, for the notice on its page:
    ``rejected``, ``hidden`` (by a moderator), ``hidden_after_reports`` (auto-hide) or
    ``pending``; with the reason the log recorded."""

    kind: str
    reason: str = ""


def moderation_states(target_type, items_) -> dict[int, ModerationState]:
    """The state of each of these items (already reached through the rule) that moderation
    holds back: for hidden ones, the latest hide or reject in the log says which and why.
    One query, none when nothing is hidden."""
    states = {item.pk: ModerationState("pending") for item in items_ if item.status == Status.PENDING}
    hidden = [item.pk for item in items_ if item.status == Status.HIDDEN]
    if hidden:
        Action = ModerationAction.Action
        rows = (
            ModerationAction.objects.filter(
                target_type=target_type, target_id__in=hidden, action__in=[Action.HIDE, Action.REJECT]
            )
            .order_by("target_id", "-created_at", "-id")
            .values_list("target_id", "action", "actor_id", "reason")
        )
        for target_id, action, actor_id, reason in rows:
            if target_id in states:
                continue
            if action == Action.REJECT:
                kind = "rejected"
            else:
                kind = "hidden" if actor_id is not None else "hidden_after_reports"
            states[target_id] = ModerationState(kind, reason)
        for pk in hidden:
            states.setdefault(pk, ModerationState("hidden"))
    return states


@dataclass
class ModerationPanel:
    """What the item's page offers someone who may moderate it: the actions its state admits,
    the levels it may be raised to, and its open reports counted by reason."""

    target_type: str
    target_id: int
    actions: list
    levels: list
    reasons: list

    @property
    def key(self) -> str:
        return f"{self.target_type}-{self.target_id}"


def open_work(target_type, ids) -> tuple[dict[int, dict], set[int]]:
    """For items a moderator works (reached through the rule): open reports counted by reason per
    item, and the items with an open escalation case. Two queries."""
    counts: dict[int, dict] = {}
    rows = (
        Flag.objects.filter(target_type=target_type, target_id__in=list(ids), state=Flag.State.OPEN)
        .values("target_id", "reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["target_id"], {})[row["reason"]] = row["n"]
    cases = set(
        EscalationCase.objects.filter(target_type=target_type, target_id__in=list(ids), resolved_at__isnull=True)
        .values_list("target_id", flat=True)
    )
    return counts, cases


def reason_counts(counts: dict) -> list[tuple[str, int]]:
    return [(label, counts[value]) for value, label in Flag.Reason.choices if counts.get(value)]
