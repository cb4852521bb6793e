"""The admin's one base class, and the admin of accounts and terms (SPEC §1, §2.2, §5).

Both admin sites (``/admin/`` for system managers, ``/moderation/`` for owners and
moderators) show rows only through the access rule, like the API's base viewset:
superusers are not exempt. Every ModelAdmin on either site derives from
``AccessRuleAdmin`` (a test walks both registries), whose

* ``get_queryset`` is ``visible_rows(request)`` — **deny by default**: an admin that
  does not say how its rows are restricted shows nothing;
* ``get_search_results`` (hence autocomplete) stays inside ``get_queryset``;
* form field querysets (foreign keys, many-to-many, hence autocomplete widgets and
  raw-id labels) and list filters' choices offer only related rows the viewer may
  see (``visible_related``: communities by ``Community.objects.visible_to``, items by
  ``visible_to``, tags only through a visible post, other models only when declared
  content-free in ``CONTENT_FREE``);
* inlines derive from ``AccessRuleInline``, under the same rule;
* "view on site" goes through ``unisocial.admin_site.RuleShortcutMixin`` on both sites: ``r/<ct>/<id>/``
  resolves the object through the registered admin's ``get_queryset`` and answers the
  same 404 for an invisible and a missing object (Django's own shortcut loads any
  object by id).

Rows that are not themselves items but speak of one (the moderation log, flags,
escalation cases, holds, declassification reviews, the records audit log) are shown
when the item they name is visible now (``target_visible_q``); rows about a community
(memberships, join requests, membership events, staleness reviews, disposition
batches and records) when the community is visible. When in doubt, a row about
something the viewer cannot see is absent: records officers read the records
metadata at /records/, owners and moderators their log at /moderation/.
"""

import logging

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import CharField, DateTimeField, Exists, OuterRef, Q
from django.db.models.fields.related import RelatedField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken as KnoxAuthToken

from . import items
from .models import ApiToken, OIDCIdentity, TermsAcceptance, TermsVersion, User

_security_log = logging.getLogger("unisocial.security")

# Models whose rows carry no classified content, no community names and no item ids:
# they may be offered in choices as they are. Anything else not governed by the rule
# is offered to nobody.
CONTENT_FREE = {
    "auth.group",
    "auth.permission",
    "contenttypes.contenttype",
    "unisocial.user",
    "unisocial.termsversion",
    "records.retentionschedule",
}

def visible_communities(user):
    return items.visible(user, items.COMMUNITY)


def visible_tags(user):
    """Tags are visible only through a visible item (SPEC §2.2: tag lists)."""
    Post = apps.get_model("posts", "Post")
    Tag = apps.get_model("posts", "Tag")
    return Tag.objects.filter(Exists(Post.objects.visible_to(user).filter(tags=OuterRef("pk"))))


def visible_related(user, model):
    """The rows of ``model`` that may be offered to ``user`` in a choice, filter or widget."""
    label = model._meta.label_lower
    if label == "communities.community":
        return visible_communities(user)
    if label == "posts.tag":
        return visible_tags(user)
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    if label in CONTENT_FREE:
        return manager.all()
    return manager.none()


def target_visible_q(user, type_field="target_type", id_field="target_id", id_is_text=False) -> Q:
    """Rows naming an item or a community (``target_type``/``target_id``) that ``user`` may see now."""
    q = Q(pk__in=[])
    # target_type values of rows that name an item or a community: the item vocabulary's.
    for target_type in items.ITEM_TYPES:
        rows = items.visible(user, target_type)
        if id_is_text:  # the records audit log keeps ids as text
            rows = rows.annotate(_text_pk=Cast("pk", CharField())).filter(_text_pk=OuterRef(id_field))
        else:
            rows = rows.filter(pk=OuterRef(id_field))
        q |= Q(**{type_field: target_type}) & Exists(rows)
    return q


class RuleRelatedFieldListFilter(RelatedFieldListFilter):
    """A relation filter whose choices are the related rows the viewer may see."""

    def field_choices(self, field, request, model_admin):
        rows = visible_related(request.user, field.related_model)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rows = rows.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in rows]


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with its own <label> (Django's show the words
    "Date:" and "Time:" as bare text, which leaves both inputs unnamed for a screen reader)."""

    template_name = "unisocial/widgets/split_datetime.html"


class AccessRuleMixin:
    """What every admin page of both sites shares: rows, choices and filters through the rule."""

    formfield_overrides = {DateTimeField: {"widget": LabelledSplitDateTime}}

    def visible_rows(self, request):
        """The rows this admin may show ``request.user``. Deny by default: override it."""
        return self.model._default_manager.none()

    def get_queryset(self, request):
        qs = self.visible_rows(request)
        ordering = self.get_ordering(request)
        if ordering:
            qs = qs.order_by(*ordering)
        return qs

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # Searching through related fields never reaches past the viewer's rows.
            results = results.filter(pk__in=self.visible_rows(request).values("pk"))
        return results, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = visible_related(request.user, db_field.related_model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = visible_related(request.user, db_field.related_model)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                field = get_fields_from_path(self.model, entry)[-1]
                if isinstance(field, RelatedField) or field.is_relation:
                    entry = (entry, RuleRelatedFieldListFilter)
            filters.append(entry)
        return filters


class AccessRuleAdmin(AccessRuleMixin, admin.ModelAdmin):
    """The base ModelAdmin of both sites (see the module docstring)."""

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if not isinstance(inline, AccessRuleInline):
                raise TypeError(f"{type(inline).__name__} must derive from AccessRuleInline")
        return inlines


class AccessRuleInline(AccessRuleMixin, admin.TabularInline):
    """Inline rows under the same rule (deny by default)."""


class ReadOnly:
    """Listed and viewed, never added, edited or deleted here (admins and inlines alike)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, AccessRuleAdmin):
    """An audit trail: listed and viewed, never added, edited or deleted here."""


class ContentFreeRows:
    """Rows that hold no classified content, community name or item id: all of them."""

    def visible_rows(self, request):
        return self.model._default_manager.all()


@admin.register(User)
class UserAdmin(ContentFreeRows, AccessRuleMixin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "open_sign_ins")}),
    )
    readonly_fields = ("open_sign_ins",)
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    # Django's two-box filter widget names its search icons with aria-label on a bare <span>
    # (axe aria-prohibited-attr, serious): the few groups are checkboxes, permissions a plain list.
    filter_horizontal = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Staff who leave are deactivated, never deleted: their content stays (SPEC §4).
        return False

    @admin.display(description=_("Signed-in sessions"))
    def open_sign_ins(self, obj):
        """How many sessions the person is signed in with now (``SignIn``: what deprovisioning ends)."""
        return obj.sign_ins.count() if obj and obj.pk else 0


@admin.register(TermsVersion)
class TermsVersionAdmin(ContentFreeRows, AccessRuleAdmin):
    list_display = ("version", "title", "published_at")
    ordering = ("-published_at",)

    def has_delete_permission(self, request, obj=None):
        # Acceptances point at the version they accepted (PROTECT).
        return False


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ContentFreeRows, ReadOnlyAdmin):
    list_display = ("user", "terms", "accepted_at")
    list_filter = ("terms",)
    search_fields = ("user__username",)
    list_select_related = ("user", "terms")


# Nobody creates or reads another person's API token (SPEC §3, §7): knox's token admin would let
# a system manager mint one for anyone and act as them. People manage their own tokens at
# /settings/tokens/ (linked from their profile); /admin/knox/… and /admin/unisocial/apitoken/…
# do not exist, on either site (tests/admin/test_admin_rule.py).
for _token_model in (KnoxAuthToken, ApiToken):
    if admin.site.is_registered(_token_model):
        admin.site.unregister(_token_model)

# The system managers' authenticators (SPEC §7): django-otp's admin shows each key and its QR
# code, which would let one system manager take another's second factor. Here only who has one,
# read-only; deleting one (a lost phone) makes its owner enrol again at their next sign-in.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(ContentFreeRows, AccessRuleAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OIDCIdentity)
class OIDCIdentityAdmin(ContentFreeRows, AccessRuleAdmin):
    """Who the identity provider's (issuer, subject) pairs are here (docs/identity.md): written at
    sign-in only, so read-only. Deleting one unlinks the person from that provider subject (a
    subject given to the wrong account); their next sign-in through the provider links again, by
    username, as a first sign-in does. Only on /admin/: nothing of it on the owners' site."""

    list_display = ("user", "issuer", "subject", "created_at", "last_sign_in_at")
    list_filter = ("issuer",)
    search_fields = ("user__username", "subject")
    list_select_related = ("user",)
    ordering = ("-last_sign_in_at", "-pk")
    fields = ("user", "issuer", "subject", "created_at", "last_sign_in_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def log_deletions(self, request, queryset):
        for identity in queryset:
            _security_log.warning("oidc identity unlinked", extra={
                "event": "oidc_identity_unlinked", "user_id": identity.user_id, "actor_id": request.user.pk})
        return super().log_deletions(request, queryset)


# Third-party admins left registered on /admin/, and why they cannot leak content
# (tests/admin/test_admin_rule.py holds every other ModelAdmin to AccessRuleAdmin):
THIRD_PARTY_CONTENT_FREE = {
    "auth.group": "group names and permissions (the records officers' group), no content",
    "django_celery_beat.periodictask": "job schedules: task names, arguments of the code's own beat entries",
    "django_celery_beat.clockedschedule": "times",
    "django_celery_beat.crontabschedule": "crontab lines",
    "django_celery_beat.solarschedule": "solar events",
    "django_celery_beat.intervalschedule": "intervals",
    # django-axes (SPEC §7): failed and successful password sign-ins — usernames typed, addresses,
    # browsers, times; system managers read them and remove a lockout by deleting its attempt.
    "axes.accessattempt": "sign-in attempts: username typed, address, browser, counts",
    "axes.accesslog": "sign-ins and sign-outs: username, address, browser, times",
    "axes.accessfailurelog": "failed sign-ins: username typed, address, browser, time",
}

