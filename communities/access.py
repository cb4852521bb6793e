"""THE access rule (SPEC §2.2), written once.

It is used three ways, all derived from the same conditions:

* ``visible_q(model, user)`` / ``Model.objects.visible_to(user)`` — the
  queryset filter every list, feed, search, count, export and admin uses;
* ``user.has_perm("<app>.view_<model>", obj)`` — the per-object check
  (``AccessRuleBackend``), which is the same filter plus ``pk=obj.pk``;
* ``users_who_can_view(...)`` — the reverse (who may see an item), for
  notifications and the audience line (SPEC §2.4).

``visible_to_compiled`` is ``visible_to`` with the SQL of ``visible_q`` compiled once per process
(``CompiledRule``), for the top-level lists of posts and wiki pages.

An *item* is any model with ``community``, ``classification``, ``author``,
``status`` and a direct-FK guardian table of individually granted readers
under the related name ``reader_grants`` (posts, wiki pages). Objects that
inherit their parent's level and audience (comments, attachments) declare
``access_parent = "<fk name>"`` and are filtered through their parent.

Community roles are guardian grants on the community (``communities.Membership``);
a membership is active until its ``expires_at``, so removals, role changes
and expiries end access at once. Superusers are not exempt.

**Every row needs an active membership of C** (SPEC §2.2), except
"unclassified, C open": being an item's author or one of its granted readers
counts only while one is a member of C. Decided for the pending/hidden
clause ("visible only to their author and to those of C's owners/moderators
who could see them by the table"), read with "a person removed sees nothing
of C that the open row does not show, their own items included": the open
row shows only *published* items, so an author who left C (or whose
membership ended) sees none of their pending or hidden items of C — posts,
wiki pages and comments alike, in an open community too; back in C, they
see them again. Published unclassified items of an open C stay visible to
them as to everyone. The reverse rule (``users_who_can_view``) says the same:
an author who left is not in the item's audience, so notifications carrying
the item (mentions, moderation of "their" item) are not sent to them.
"""
from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import Expression
from django.utils import timezone

from unisocial.classification import GONE_STATUSES, Level, Status, Visibility

from .models import Community, Membership, active_memberships, community_visible_q
from .models import authorized as _authorized

__all__ = [
    "AccessQuerySet",
    "AccessRuleBackend",
    "active_memberships",
    "can_view",
    "community_visible_q",
    "item_audience",
    "role_in",
    "users_who_can_view",
    "visible_in_visible_parent_q",
    "visible_q",
]


def _open_communities():
    return Community.objects.filter(visibility=Visibility.OPEN).values("pk")


def _item_model(model):
    parent = getattr(model, "access_parent", None)
    if parent:
        return model._meta.get_field(parent).related_model, f"{parent}__", f"{parent}_id"
    return model, "", "pk"


def visible_q(model, user, at=None) -> Q:
    """The condition under which ``user`` may see a row of ``model`` (SPEC §2.2), at ``at``
    (default: now)."""
    if not _authorized(user):
        return Q(pk__in=[])
    item, p, item_pk = _item_model(model)
    reader_model = item._meta.get_field("reader_grants").related_model

    memberships = active_memberships(user, OuterRef(f"{p}community_id"), at)
    is_member = Exists(memberships)
    is_owner = Exists(memberships.filter(role="owner"))
    is_owner_or_moderator = Exists(memberships.filter(role__in=["owner", "moderator"]))
    is_reader = Exists(reader_model.objects.filter(user_id=user.pk, content_object_id=OuterRef(item_pk)))
    is_author = Q(**{f"{p}author_id": user.pk})
    level = f"{p}classification"

    published = Q(**{f"{p}status": Status.PUBLISHED})
    held = Q(**{f"{p}status__in": [Status.PENDING, Status.HIDDEN]})
    # Every row but "unclassified, C open" needs an active membership of C, the
    # author's and the readers' included (SPEC §2.2); owners and moderators are
    # members, so their subqueries imply it. Written so that each subquery
    # appears once in the SQL (docs/performance.md):
    #   open row, published                           — everyone;
    #   member & (by the member rows & (published | held & o/m) | held & author)
    #     where the member rows are "unclassified or confidential" and
    #     "strictly confidential & (author | reader)";
    #   strictly confidential & owner & (published | held) — owners (o/m too).
    # The same condition as (published & table) | (held & (author & member | table & o/m)).
    # ``community_id IN (open communities)``, not a join on the community: the
    # subquery is hashed once, so the rule filters rows of the item's own
    # table and an index on (created_at, id) can feed a LIMIT directly.
    # Withdrawn and quarantined items match no branch: visible to nobody (kept for records).
    open_row = Q(**{level: Level.UNCLASSIFIED, f"{p}community_id__in": _open_communities()})
    member_rows = Q(**{f"{level}__in": [Level.UNCLASSIFIED, Level.CONFIDENTIAL]}) | (
        Q(**{level: Level.STRICTLY_CONFIDENTIAL}) & (is_author | is_reader)
    )
    item_q = (
        (open_row & published)
        | (is_member & ((member_rows & (published | (held & is_owner_or_moderator))) | (held & is_author)))
        | (Q(**{level: Level.STRICTLY_CONFIDENTIAL}) & (published | held) & is_owner)
    )
    if user.is_superuser:
        # Escalated to management (SPEC §3): system managers see the item (views logged
        # by posts.services.log_view), and with it what inherits its audience.
        item_q |= _escalated(p)
    if p and _has_field(model, "status"):
        item_q &= _own_status_q(user, is_member, is_owner_or_moderator)
        if user.is_superuser and _has_field(model, "escalated_at"):
            # A comment escalated on its own; never a withdrawn one, nor one under a withdrawn post.
            item_q |= _escalated("") & ~Q(**{f"{p}status__in": GONE_STATUSES})
    return item_q


def _own_status_q(user, is_member, is_owner_or_moderator) -> Q:
    """A comment's own status on top of its post's: withdrawn comments are gone;
    pending/hidden ones stay for their author while a member of C, and the moderators."""
    return Q(status=Status.PUBLISHED) | (
        Q(status__in=[Status.PENDING, Status.HIDDEN]) & ((Q(author_id=user.pk) & is_member) | is_owner_or_moderator)
    )


def visible_in_visible_parent_q(model, user) -> Q:
    """``visible_q`` for rows of an inheriting model (comments) *whose parent is already known
    to be visible to* ``user`` — a post of the feed counting its comments: only the row's own
    part of the rule, without repeating the parent's in the SQL. Given a visible parent it
    selects exactly what ``visible_q`` selects (a visible post is never withdrawn);
    tests/access/test_comment_rule_agreement.py proves it on random worlds."""
    if not _authorized(user):
        return Q(pk__in=[])
    _item, p, _item_pk = _item_model(model)
    if not p:
        raise ValueError(f"{model.__name__} does not inherit its audience from a parent")
    if not _has_field(model, "status"):
        return Q()
    memberships = active_memberships(user, OuterRef(f"{p}community_id"))
    own = _own_status_q(user, Exists(memberships), Exists(memberships.filter(role__in=["owner", "moderator"])))
    if user.is_superuser and _has_field(model, "escalated_at"):
        own |= _escalated("")
    return own


def _escalated(prefix) -> Q:
    """An item escalated to management (``escalated_at`` set) and not withdrawn or quarantined."""
    return Q(**{f"{prefix}escalated_at__isnull": False}) & ~Q(**{f"{prefix}status__in": GONE_STATUSES})


def _has_field(model, name) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class AccessQuerySet(models.QuerySet):
    """Base queryset for every access-controlled model: deny by default."""

    def visible_to(self, user):
        return self.filter(visible_q(self.model, user))

    def visible_to_compiled(self, user):
        """``visible_to`` with the rule's SQL compiled once per process (``CompiledRule``): only
        for a query whose base table is the item's own and that is never used as a subquery
        (the feed API's page, the home page's feed, a community page's cards, search's posts and
        wiki pages). Comments and attachments, and a signed-out user: ``visible_to``."""
        if not _authorized(user) or getattr(self.model, "access_parent", None):
            return self.visible_to(user)
        return self.filter(CompiledRule(self.model, user))


# --- the rule compiled once -------------------------------------------------------------------
#
# At 1M posts Django spends ~5 ms of a feed request's CPU adding the rule's Q to the query and
# compiling it (docs/performance.md, "Compiling the rule once"). The SQL depends only on the
# model, the user's superuser flag and the database; the user's id and the clock are its only
# varying parameters. So it is compiled once per (model, superuser flag, database vendor) with a
# sentinel id and a sentinel time, and each request binds its own id and ``now`` in their
# places. Nothing about a user's memberships or grants is cached: every request's SQL reads
# them afresh, so a revoked or expired membership ends access at once, as before.
# tests/access/test_compiled_rule.py proves on random worlds, users and times that it selects
# exactly the rows of ``visible_to``.

_SENTINEL_PK = -770_000_000_077
_SENTINEL_AT = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_USER_SLOT, _NOW_SLOT = object(), object()
_compiled_rules: dict = {}


class _SentinelUser:
    is_authenticated = True
    is_active = True
    pk = id = _SENTINEL_PK

    def __init__(self, is_superuser):
        self.is_superuser = is_superuser


def _expires_db_value(at, connection):
    return Membership._meta.get_field("expires_at").get_db_prep_value(at, connection)


def compiled_rule(model, is_superuser, connection):
    """``(sql, slots)``: the WHERE fragment of ``visible_q`` for ``model`` on ``connection``'s
    database, its table named by the table's own name, and its parameters, where ``_USER_SLOT``
    and ``_NOW_SLOT`` stand for the user's id and the clock."""
    key = (model._meta.label_lower, bool(is_superuser), connection.vendor)
    if key not in _compiled_rules:
        query = model._base_manager.filter(visible_q(model, _SentinelUser(bool(is_superuser)), _SENTINEL_AT)).query
        # A join would name another table: not a fragment of the item's own.
        if [alias for alias, n in query.alias_refcount.items() if n] != [model._meta.db_table]:
            raise RuntimeError(f"compiled rule of {model.__name__} joins another table")
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.compile(query.where)
        sentinel_at = _expires_db_value(_SENTINEL_AT, connection)
        slots = []
        for param in params:
            if param == _SENTINEL_PK:
                slots.append(_USER_SLOT)
            elif param == sentinel_at:
                slots.append(_NOW_SLOT)
            else:
                slots.append(param)
        if _USER_SLOT not in slots or _NOW_SLOT not in slots:  # the rule changed shape: fail loudly
            raise RuntimeError(f"compiled rule of {model.__name__}: no user id or clock among its parameters")
        _compiled_rules[key] = (f"({sql})", tuple(slots))
    return _compiled_rules[key]


class CompiledRule(Expression):
    """``visible_q(model, user)`` as its SQL compiled once (``compiled_rule``), the user's id and
    this moment bound in. It names the item table by its own name, so it refuses (raises) any
    query whose base table is not the item's table under that name — a subquery above all,
    whose table Django renames (``U0``) and where the name would reach the outer row."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, model, user, at=None):
        super().__init__()
        self.model, self.user, self.at = model, user, at

    def as_sql(self, compiler, connection):
        query = compiler.query
        table = self.model._meta.db_table
        if query.subquery or query.model is not self.model or query.get_initial_alias() != table:
            raise ValueError("CompiledRule fits only a top-level query on the item's own table")
        sql, slots = compiled_rule(self.model, self.user.is_superuser, connection)
        now = _expires_db_value(self.at or timezone.now(), connection)
        return sql, [self.user.pk if s is _USER_SLOT else now if s is _NOW_SLOT else s for s in slots]


def can_view(user, obj) -> bool:
    """Per-object check: the queryset filter restricted to this object."""
    if obj is None or obj.pk is None:
        return False
    model = type(obj)
    if model._meta.label_lower == "communities.community":
        return model.objects.visible_to(user).filter(pk=obj.pk).exists()
    return model._default_manager.visible_to(user).filter(pk=obj.pk).exists()


def role_in(user, community, at=None) -> str | None:
    """The active role of ``user`` in ``community`` (``None`` if not a member)."""
    if not _authorized(user):
        return None
    return (
        active_memberships(user, community.pk, at).values_list("role", flat=True).first()
    )


ROLE_RANK = {"member": 1, "moderator": 2, "owner": 3}
ROLE_PERMS = {
    "communities.member_of_community": 1,
    "communities.moderate_community": 2,
    "communities.own_community": 3,
}


class AccessRuleBackend:
    """``user.has_perm(perm, obj)`` answered by the access rule.

    * ``<app>.view_<model>`` on an access-controlled object or a community:
      the same filter as the lists (``can_view``);
    * ``communities.member_of_community`` / ``moderate_community`` /
      ``own_community`` on a community: the active guardian role grant
      (an owner also holds the lower two).

    Everything else is not this backend's to grant (deny by default).
    """

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if obj is None or not _authorized(user_obj):
            return False
        app_label, _, codename = perm.partition(".")
        meta = type(obj)._meta
        if codename == f"view_{meta.model_name}" and app_label == meta.app_label:
            return can_view(user_obj, obj)
        if perm in ROLE_PERMS and meta.label_lower == "communities.community":
            role = role_in(user_obj, obj)
            return role is not None and ROLE_RANK[role] >= ROLE_PERMS[perm]
        return False

    def has_module_perms(self, user_obj, app_label):
        return False


def users_who_can_view(*, community, classification, author, status=Status.PUBLISHED, reader_ids=(),
                       escalated=False):
    """The users who may see an item with these attributes (the rule read backwards).

    Works for a saved item and for one being written (the audience line).
    Returns a queryset of active users.
    """
    User = get_user_model()
    users = User.objects.filter(is_active=True)
    if status in GONE_STATUSES:  # withdrawn, or in records quarantine: nobody
        return users.none()
    memberships = Membership.objects.active().filter(
        content_object_id=community.pk, user_id=OuterRef("pk")
    )
    is_member = Exists(memberships)
    is_owner = Exists(memberships.filter(role="owner"))
    # The author counts only while a member of C, like the readers (SPEC §2.2: every row
    # but "unclassified, C open" needs an active membership, the author's included).
    is_author = Q(pk=getattr(author, "pk", author)) & is_member
    if classification == Level.STRICTLY_CONFIDENTIAL:
        by_table = ((is_author | Q(pk__in=list(reader_ids))) & is_member) | is_owner
    elif classification == Level.UNCLASSIFIED and community.visibility == Visibility.OPEN:
        by_table = Q()
    else:
        by_table = is_member
    if status == Status.PUBLISHED:
        audience = by_table
    else:
        is_owner_or_moderator = Exists(memberships.filter(role__in=["owner", "moderator"]))
        audience = is_author | (by_table & is_owner_or_moderator)
    if escalated and audience:  # (an empty Q() already means everyone)
        # Escalated to management: system managers too (SPEC §2.2, §3).
        audience |= Q(is_superuser=True)
    return users.filter(audience)


def item_audience(item):
    """``users_who_can_view`` for a saved item."""
    return users_who_can_view(
        community=item.community,
        classification=item.classification,
        author=item.author_id,
        status=item.status,
        reader_ids=item.reader_grants.values_list("user_id", flat=True),
        escalated=getattr(item, "escalated_at", None) is not None,
    )
