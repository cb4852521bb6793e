"""Writes on communities and memberships (SPEC §2.1). Views and the API call these.

Every function is atomic, takes a keyword-only ``actor`` and raises
``ValidationError`` (bad input, changes nothing) or ``PermissionDenied``
(visible, but not allowed). Callers load communities through
``selectors.get_community_for`` so that invisible ones are already 404.
"""
import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from communities.access import role_in, users_who_can_view
from notifications.models import Notification
from notifications.services import notify
from unisocial.classification import (
    MAX_CEILING,
    Level,
    Visibility,
    ceiling_allowed,
    levels_above,
)

from .models import Community, JoinRequest, Membership, MembershipEvent, Role

EDITABLE_FIELDS = (
    "name",
    "description",
    "purpose",
    "objectives",
    "intended_audience",
    "risk_assessment",
    "visibility",
    "ceiling",
    "guidelines",
    "premoderation",
    "auto_hide_threshold",
)


def item_models():
    """Every access-controlled item model (posts, wiki pages): those with reader grants."""
    return [
        m
        for m in apps.get_models()
        if any(f.name == "reader_grants" for f in m._meta.related_objects)
    ]


def content_above(community, ceiling) -> int:
    """How many items of ``community`` (any status) are classified above ``ceiling``."""
    above = levels_above(ceiling)
    if not above:
        return 0
    return sum(
        m._default_manager.filter(community=community, classification__in=above).count()
        for m in item_models()
    )


def _validate_ceiling(community, *, old_ceiling=None, old_visibility=None):
    errors = {}
    if community.visibility not in Visibility.values:
        errors["visibility"] = _("Choose open, moderated or restricted.")
    elif community.ceiling not in Level.values:
        errors["ceiling"] = _("Choose a classification level.")
    elif not ceiling_allowed(community.visibility, community.ceiling):
        # One sentence per visibility: "a"/"an" and word order differ between languages.
        sentence = {
            Visibility.OPEN: _("An open community can hold at most %(level)s content."),
            Visibility.MODERATED: _("A moderated community can hold at most %(level)s content."),
        }.get(Visibility(community.visibility), _("This community can hold at most %(level)s content."))
        errors["ceiling"] = sentence % {"level": Level(MAX_CEILING[Visibility(community.visibility)]).label}
    elif community.pk and (old_ceiling, old_visibility) != (community.ceiling, community.visibility):
        n = content_above(community, community.ceiling)
        if n:
            errors["visibility" if old_visibility != community.visibility else "ceiling"] = ngettext(
                "Refused: the community holds %(n)d item classified above %(level)s. "
                "Lower or remove it first.",
                "Refused: the community holds %(n)d items classified above %(level)s. "
                "Lower or remove them first.",
                n,
            ) % {"n": n, "level": Level(community.ceiling).label}
    if errors:
        raise ValidationError(errors)


def _log(community, user, actor, action, role=""):
    MembershipEvent.objects.create(
        community=community, user=user, actor=actor, action=action, role=role or ""
    )


def _require_role(actor, community, *roles):
    if role_in(actor, community) not in roles:
        raise PermissionDenied(_("Only the community's owners may do this."))


class ReadOnly(PermissionDenied):
    """The community is archived: nobody writes in it (SPEC §2.1). A state of the community, not a
    missing right, so the pages say it as a message on the page the person came from."""


def require_writable(community) -> None:
    """Refuse any write in an archived community (``ReadOnly``)."""
    if community.is_archived:
        raise ReadOnly(_("This community is archived and read-only."))


def require_member(actor, community) -> str:
    """``actor``'s active role in ``community``, or ``PermissionDenied``: only members write there."""
    role = role_in(actor, community)
    if role is None:
        raise PermissionDenied(_("Only members of this community can write in it."))
    return role


def require_can_write(actor, community) -> str:
    """May ``actor`` write in ``community`` now: it is not archived and they are an active member.
    The services call it first (``posts.services`` re-exports it); a page calls it too before it
    shows a form and the API before it reads input (the @mention suggestions), so a refusal is
    said before anyone types. Returns the actor's role."""
    require_writable(community)
    return require_member(actor, community)


def require_can_manage(actor, community) -> None:
    """May ``actor`` change ``community`` now (its settings, its members): an owner of it, while
    it is not archived. The services ask it; the pages before showing a form and the API before
    reading input ask the same, so the refusal is the one the write would give."""
    _require_role(actor, community, Role.OWNER)
    require_writable(community)


@transaction.atomic
def check_names_free(actor, community) -> None:
    """A community's name and address must be free, answered without revealing a community
    the actor may not see (SPEC §2.2 "invisible means nonexistent").

    * The **name** is not unique in the database: it is refused only when a community the
      actor can see already bears it, so the answer depends on nothing they cannot see.
    * The **address** (slug) must be unique, for every community, visible or not: a taken
      address gets one answer, whoever holds it, which names no community. Addresses are
      therefore not secret, and the form says so.
    """
    errors = {}
    if (
        community.name
        and Community.objects.visible_to(actor)
        .filter(name__iexact=community.name.strip())
        .exclude(pk=community.pk)
        .exists()
    ):
        errors["name"] = _("A community you can see already has this name; choose another.")
    if (
        community.slug
        and Community.objects.filter(slug=community.slug).exclude(pk=community.pk).exists()
    ):
        errors["slug"] = ADDRESS_TAKEN
    if errors:
        raise ValidationError(errors)


ADDRESS_TAKEN = _lazy("This address is not available; choose another.")
# The community form's help and this rule say the same thing, in the same words.
ADDRESS_RULE = _lazy("Use lower-case letters, digits and hyphens only, for example water-and-sanitation.")
ADDRESS_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_address(slug: str) -> None:
    """A new community's address: lower-case letters, digits and single hyphens (what the form
    says), so that no two addresses differ only by case or by ``_`` and ``-``."""
    if not ADDRESS_PATTERN.fullmatch(slug or ""):
        raise ValidationError({"slug": ADDRESS_RULE})


def community_create(*, actor, **fields) -> Community:
    """Create a community; its creator becomes its first owner (SPEC §2.1, guidelines §5.4)."""
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"slug"}
    if unknown:
        raise ValidationError({f: _("Unknown field.") for f in unknown})
    community = Community(created_by=actor, **fields)
    check_address(community.slug)
    if not (community.purpose or "").strip():
        raise ValidationError({"purpose": _("State the community's purpose.")})
    _validate_ceiling(community)
    check_names_free(actor, community)
    # The uniqueness checks are check_names_free's (Django's would name a hidden community).
    community.full_clean(validate_unique=False)
    community.save()
    Membership.objects.create(user=actor, content_object=community, role=Role.OWNER)
    _log(community, actor, actor, "created", Role.OWNER)
    return community


@transaction.atomic
def community_update(*, actor, community, **fields) -> Community:
    """Owners edit; the ceiling and widening rules hold (SPEC §2.1)."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    require_can_manage(actor, community)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in unknown})
    old_ceiling, old_visibility = community.ceiling, community.visibility
    for name, value in fields.items():
        setattr(community, name, value)
    _validate_ceiling(community, old_ceiling=old_ceiling, old_visibility=old_visibility)
    check_names_free(actor, community)
    # created_by is not editable and may be null (seeded/admin-made communities).
    community.full_clean(exclude=["created_by"], validate_unique=False)
    community.save()
    return community


@transaction.atomic
def community_join(*, actor, community) -> str:
    """Join an open community at once or request to join a moderated one.

    Returns ``"member"`` or ``"requested"`` (the API's ``status``).
    """
    require_writable(community)
    if role_in(actor, community):
        return "member"
    if community.visibility == Visibility.OPEN:
        Membership.objects.filter(user=actor, content_object=community).delete()  # an expired one
        Membership.objects.create(user=actor, content_object=community, role=Role.MEMBER)
        _log(community, actor, actor, "joined", Role.MEMBER)
        return "member"
    if community.visibility == Visibility.MODERATED:
        request, created = JoinRequest.objects.get_or_create(
            community=community, user=actor, state=JoinRequest.State.PENDING
        )
        if created:
            owners = community.memberships.active().filter(role=Role.OWNER).values_list("user_id", flat=True)
            notify(
                owners,
                kind=Notification.Kind.MEMBERSHIP_REQUEST,
                community=community,
                event="membership_request",
                actor=actor,
                url=f"/communities/{community.slug}/members/",
            )
        return "requested"
    # Restricted: invitation only.
    raise PermissionDenied(_("This community is by invitation only."))


def _owner_count(community) -> int:
    return community.memberships.active().filter(role=Role.OWNER).count()


@transaction.atomic
def member_set(*, actor, community, user, role=Role.MEMBER, expires_at=None) -> Membership:
    """An owner adds a member at once (any visibility), approves a request, or changes a role."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    require_can_manage(actor, community)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose owner, moderator or member.")})
    if not user.is_active:
        raise ValidationError({"username": _("This account is not active.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The end date must be in the future.")})
    membership = Membership.objects.filter(user=user, content_object=community).first()
    is_new = membership is None or (
        membership.expires_at is not None and membership.expires_at <= timezone.now()
    )
    if membership and not is_new and membership.role == Role.OWNER and role != Role.OWNER:
        if _owner_count(community) <= 1:
            raise ValidationError({"role": _("A community must keep at least one owner.")})
    if membership is None:
        membership = Membership(user=user, content_object=community)
    membership.role = role
    membership.expires_at = expires_at
    membership.expiry_notified_at = None
    if is_new:
        membership.created_at = timezone.now()
    membership.save()
    JoinRequest.objects.filter(
        community=community, user=user, state=JoinRequest.State.PENDING
    ).update(state=JoinRequest.State.APPROVED, decided_by=actor, decided_at=timezone.now())
    _log(community, user, actor, "added" if is_new else "changed", role)
    if is_new and user != actor:
        notify(
            [user],
            kind=Notification.Kind.MEMBERSHIP_ADDED,
            community=community,
            event="membership_added",
            actor=actor,
            data={"role": role},
            url=f"/communities/{community.slug}/",
        )
    return membership


def already_member_message(user, role) -> str:
    """What "Add a member" answers for someone who is already one (SPEC §2.5: never a silent change)."""
    return _("%(user)s is already a %(role)s of this community; change the role in the list.") % {
        "user": user,
        "role": Role(role).label.lower(),
    }


@transaction.atomic
def member_add(*, actor, community, user, role=Role.MEMBER, expires_at=None) -> Membership:
    """An owner adds someone who is not a member yet (SPEC §2.1, §2.5).

    Someone who already holds an active membership is refused with a message naming their role:
    adding never changes a role, only the explicit change (``member_set``) does.
    """
    locked = Community.objects.select_for_update().get(pk=community.pk)
    require_can_manage(actor, locked)
    current = Membership.objects.active().filter(user=user, content_object=locked).first()
    if current is not None:
        raise ValidationError(
            {"username": already_member_message(user, current.role)}, code="already_member"
        )
    return member_set(
        actor=actor, community=locked, user=user, role=role, expires_at=expires_at
    )


@transaction.atomic
def join_request_decline(*, actor, community, user):
    _require_role(actor, community, Role.OWNER)
    updated = JoinRequest.objects.filter(
        community=community, user=user, state=JoinRequest.State.PENDING
    ).update(state=JoinRequest.State.DECLINED, decided_by=actor, decided_at=timezone.now())
    if not updated:
        raise ValidationError({"username": _("There is no pending request from this person.")})
    notify(
        [user],
        kind=Notification.Kind.MEMBERSHIP_DECISION,
        community=community,
        event="membership_declined",
        actor=actor,
        url=f"/communities/{community.slug}/",
    )


@transaction.atomic
def member_remove(*, actor, community, user, reason="removed"):
    """An owner removes a member, or a member leaves. Access ends at once."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if actor != user:
        _require_role(actor, community, Role.OWNER)
    membership = Membership.objects.filter(user=user, content_object=community).first()
    if membership is None:
        raise ValidationError({"username": _("This person is not a member.")})
    if membership.role == Role.OWNER and _owner_count(community) <= 1 and reason != "expired":
        raise ValidationError(
            {"role": _("A community must keep at least one owner. Appoint another owner first.")}
        )
    membership.delete()
    _log(community, user, actor, "left" if actor == user else reason, membership.role)
    if actor != user:
        notify(
            [user],
            kind=Notification.Kind.MEMBERSHIP_REMOVED,
            community=community,
            event="membership_removed",
            actor=actor,
        )


def expire_memberships(*, now=None) -> dict:
    """The daily job (SPEC §2.1): warn owners a week before an end date, remove on the date."""
    now = now or timezone.now()
    warned = removed = 0
    soon = Membership.objects.filter(
        expires_at__gt=now, expires_at__lte=now + timezone.timedelta(days=7), expiry_notified_at__isnull=True
    ).select_related("content_object", "user")
    for m in soon:
        owners = m.content_object.memberships.active(now).filter(role=Role.OWNER).values_list("user_id", flat=True)
        notify(
            owners,
            kind=Notification.Kind.MEMBERSHIP_ENDING,
            community=m.content_object,
            event="membership_ending",
            data={"user_id": m.user_id, "date": m.expires_at.isoformat()},
            url=f"/communities/{m.content_object.slug}/members/",
        )
        Membership.objects.filter(pk=m.pk).update(expiry_notified_at=now)
        warned += 1
    for m in Membership.objects.filter(expires_at__lte=now).select_related("content_object", "user"):
        with transaction.atomic():
            m.delete()
            _log(m.content_object, m.user, None, "expired", m.role)
        removed += 1
    return {"warned": warned, "removed": removed}


def audience(*, community, classification, author, readers=()) -> dict:
    """The audience line (SPEC §2.4): ``{"count": N, "description": "…"}``."""
    if classification not in Level.values:
        raise ValidationError({"classification": _("Choose a classification level.")})
    if Level.values.index(classification) > Level.values.index(community.ceiling):
        raise ValidationError(
            {"classification": _("This community's ceiling is %(level)s.") % {"level": Level(community.ceiling).label}}
        )
    reader_ids = [r.pk for r in readers]
    if reader_ids:
        if classification != Level.STRICTLY_CONFIDENTIAL:
            raise ValidationError({"readers": _("Readers are named only for strictly confidential items.")})
        members = set(
            community.memberships.active().filter(user_id__in=reader_ids).values_list("user_id", flat=True)
        )
        outsiders = [r.username for r in readers if r.pk not in members]
        if outsiders:
            raise ValidationError(
                {"readers": _("Not members of this community: %(names)s") % {"names": ", ".join(outsiders)}}
            )
    count = users_who_can_view(
        community=community, classification=classification, author=author, reader_ids=reader_ids
    ).count()
    if classification == Level.UNCLASSIFIED and community.visibility == Visibility.OPEN:
        description = _("all staff (%(n)d people)") % {"n": count}
    elif classification == Level.STRICTLY_CONFIDENTIAL:
        description = ngettext("%(n)d named person", "%(n)d named people", count) % {"n": count}
    else:
        description = ngettext(
            "the %(n)d member of %(community)s", "the %(n)d members of %(community)s", count
        ) % {"n": count, "community": community.name}
    return {"count": count, "description": description}


def lookup_users(usernames):
    """Active users by username; unknown names are a validation error."""
    names = [u.strip() for u in usernames if u and u.strip()]
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise ValidationError({"readers": _("Unknown people: %(names)s") % {"names": ", ".join(missing)}})
    return users


def orphaned_communities():
    """Communities with no active owner (every owner left or expired): a system manager may
    appoint one (SPEC §3). Callers decide what of each they may show (restricted ones)."""
    from django.db.models import Exists, OuterRef

    owners = Membership.objects.active().filter(content_object_id=OuterRef("pk"), role=Role.OWNER)
    return Community.objects.filter(~Exists(owners))


@transaction.atomic
def owner_appoint_by_manager(*, actor, community, user) -> Membership:
    """A system manager appoints an owner of a community whose owners have all left (SPEC §3).

    Never themselves (a system manager sees content only as a member, reader or owner
    like anyone else, §2.2). The change is a membership event, and the community's
    owners — the one appointed, since there was none — are notified.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only a system manager may appoint an owner here."))
    if user.pk == actor.pk:
        raise ValidationError(
            {"username": _("You cannot appoint yourself: a system manager appoints someone else as owner.")}
        )
    if not user.is_active:
        raise ValidationError({"username": _("This account is not active.")})
    if _owner_count(community):
        raise ValidationError({"community": _("This community has an owner: its owners appoint the others.")})
    membership = Membership.objects.filter(user=user, content_object=community).first()
    if membership is None:
        membership = Membership(user=user, content_object=community, created_at=timezone.now())
    elif membership.expires_at is not None and membership.expires_at <= timezone.now():
        membership.created_at = timezone.now()
    membership.role = Role.OWNER
    membership.expires_at = None
    membership.expiry_notified_at = None
    membership.save()
    _log(community, user, actor, "appointed_owner", Role.OWNER)
    owners = community.memberships.active().filter(role=Role.OWNER).values_list("user_id", flat=True)
    notify(
        owners,
        kind=Notification.Kind.MEMBERSHIP_ADDED,
        community=community,
        event="owner_appointed",
        actor=actor,
        data={"user_id": user.pk},
        url=f"/communities/{community.slug}/members/",
    )
    return membership
