"""Communities of practice and their memberships (SPEC §2.1).

A membership *is* a django-guardian object permission on the community
(direct-foreign-key table): the role's permission (``own_community``,
``moderate_community``, ``member_of_community``) granted on that community.
``role`` is the column the access rule filters on; ``permission`` is kept in
step with it on save so guardian's own tools (checker, admin) read the same
grant.
"""
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from unisocial.classification import Level, Role, Visibility
from unisocial.db import AppendOnlyModel
from unisocial.links import link

ROLE_PERMISSION = {
    Role.OWNER: "own_community",
    Role.MODERATOR: "moderate_community",
    Role.MEMBER: "member_of_community",
}


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(community_visible_q(user))


class Community(models.Model):
    # Not unique: a name is refused only when a community the creator can see bears it
    # (communities.services.check_names_free), so a restricted one's name is never confirmed.
    name = models.CharField(_("name"), max_length=120, db_index=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    purpose = models.TextField(_("purpose"))
    objectives = models.TextField(_("objectives"), blank=True)
    intended_audience = models.TextField(_("intended audience"), blank=True)
    risk_assessment = models.TextField(_("risk assessment"), blank=True)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices)
    ceiling = models.CharField(_("ceiling"), max_length=24, choices=Level.choices)
    guidelines = models.TextField(_("guidelines"), blank=True)
    premoderation = models.BooleanField(_("pre-moderation"), default=False)
    auto_hide_threshold = models.PositiveSmallIntegerField(
        _("auto-hide threshold"), default=3, validators=[MinValueValidator(1)]
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # Disposed of by a records batch and waiting for its purge (SPEC §4): invisible to everyone
    # until then (its items are quarantined too); a records officer may restore it.
    quarantined_at = models.DateTimeField(_("in records quarantine since"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        permissions = [
            ("own_community", "Owner of the community"),
            ("moderate_community", "Moderator of the community"),
            ("member_of_community", "Member of the community"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="community_visibility_valid"
            ),
            # SPEC §2.1: open => unclassified; moderated => at most confidential.
            models.CheckConstraint(
                condition=(
                    Q(visibility=Visibility.OPEN, ceiling=Level.UNCLASSIFIED)
                    | Q(
                        visibility=Visibility.MODERATED,
                        ceiling__in=[Level.UNCLASSIFIED, Level.CONFIDENTIAL],
                    )
                    | Q(visibility=Visibility.RESTRICTED, ceiling__in=Level.values)
                ),
                name="community_ceiling_within_visibility",
            ),
            models.CheckConstraint(
                condition=Q(auto_hide_threshold__gte=1), name="community_auto_hide_threshold_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return link("communities:detail", "slug", self.slug, "slug")  # reverse(), once per route


class MembershipQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


class Membership(UserObjectPermissionBase):
    """A user's role in a community: a guardian grant on the community."""

    content_object = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("community")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    expires_at = models.DateTimeField(_("membership ends"), null=True, blank=True)
    expiry_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserObjectPermissionManager.from_queryset(MembershipQuerySet)()

    class Meta:
        verbose_name = _("membership")
        unique_together = []
        constraints = [
            # One role per person per community; also the (user, community)
            # index the access rule's Exists() subquery uses.
            models.UniqueConstraint(fields=["user", "content_object"], name="one_membership_per_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["content_object", "role"], name="membership_community_role")]

    @property
    def community(self):
        return self.content_object

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.content_object}"

    def save(self, *args, **kwargs):
        self.permission = role_permission(self.role)
        super().save(*args, **kwargs)


def authorized(user) -> bool:
    """Only signed-in, active accounts see anything (§2.2)."""
    return bool(user and user.is_authenticated and user.is_active)


def active_memberships(user, community_ref, at=None):
    """Active guardian role grants of ``user`` on the community ``community_ref`` points at.

    The membership query of the access rule (``communities.access``): every row
    of the visibility table but the open one is an ``Exists()`` of it."""
    return Membership.objects.active(at).filter(user_id=user.pk, content_object_id=community_ref)


def community_visible_q(user) -> Q:
    """Open and moderated communities are listed to everyone; restricted ones only to members;
    one in records quarantine to nobody."""
    if not authorized(user):
        return Q(pk__in=[])
    return Q(quarantined_at__isnull=True) & (Q(visibility__in=[Visibility.OPEN, Visibility.MODERATED]) | Exists(
        active_memberships(user, OuterRef("pk"))
    ))


_ROLE_PERMISSIONS: dict[str, Permission] = {}


def role_permission(role: str) -> Permission:
    """The guardian permission row that stands for ``role`` (cached per process)."""
    if role not in _ROLE_PERMISSIONS:
        # All three in one query, so that the first grants of each role cost one lookup, not three.
        by_codename = {
            p.codename: p
            for p in Permission.objects.filter(
                content_type__app_label="communities", codename__in=ROLE_PERMISSION.values()
            )
        }
        for r, codename in ROLE_PERMISSION.items():
            if codename in by_codename:
                _ROLE_PERMISSIONS[r] = by_codename[codename]
        if role not in _ROLE_PERMISSIONS:
            raise Permission.DoesNotExist(ROLE_PERMISSION[Role(role)])
    return _ROLE_PERMISSIONS[role]


class JoinRequest(models.Model):
    """A request to join a moderated community, decided by an owner."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message"), blank=True, max_length=2000)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(state="pending"),
                name="one_pending_join_request",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.community} ({self.state})"


class MembershipEvent(AppendOnlyModel):
    """Audit trail of membership changes (joins, role changes, removals, expiries).

    Append-only (SPEC §4): no UPDATE nor DELETE, on PostgreSQL a trigger refuses them. So an
    event outlives its community (records disposition destroys communities: the event keeps
    the community's id, no database constraint, nothing cascades) and PROTECTs its people
    (accounts are deactivated, never deleted).
    """

    community = models.ForeignKey(
        Community, on_delete=models.DO_NOTHING, db_constraint=False, related_name="membership_events"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    role = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.action} {self.user} in {self.community}"
