"""Admin for communities and memberships (SPEC §2.1, §3).

Superusers are not exempt from the visibility rule (SPEC §2.2): every admin
here derives from ``unisocial.admin.AccessRuleAdmin`` and starts from the
communities the viewer may see, so a restricted community stays nonexistent to
a system manager who is not a member — absent from lists, filters, choices,
searches and change pages alike. The audit tables are read-only.

Memberships are **not edited here**: the membership inline on a community is
read-only, since a superuser could otherwise make himself owner and read its
confidential content with no membership event and no notice (SPEC §3).
Owners manage their members on the site. The one membership change
a system manager makes is "Appoint an owner" (``appoint-owner/``) for a
community whose owners have all left (SPEC §3): it goes through
``communities.services.owner_appoint_by_manager`` — never themselves, a logged
membership event, the community's owners (the one appointed) notified.

What the appoint page reveals: orphaned communities the manager can see are
listed by name; an orphaned *restricted* community he is not in (which does
not exist to him otherwise) is listed only as "Restricted community #<id>
with no owner" — no name, slug, description, level or member count — the least
needed to act on it. Appointing someone else does not let him see it either.

Communities are not added here, and their names and slugs are read-only: both are
unique, and the admin's "already exists" would confirm a restricted community's name
(an existence oracle); owners create and rename communities on the site.

A ceiling change refused because content sits above the new ceiling says so
without a count (SPEC §2.2: the items may be invisible to the viewer, and
counts of invisible items are invisible too).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from unisocial.admin import AccessRuleAdmin, AccessRuleInline, ReadOnly, ReadOnlyAdmin, visible_communities
from unisocial.classification import Level

from .models import Community, JoinRequest, Membership, MembershipEvent
from .services import content_above, orphaned_communities, owner_appoint_by_manager


class VisibleCommunityFilter(admin.SimpleListFilter):
    """A community filter that lists only the communities the viewer may see."""

    title = _("community")
    parameter_name = "community"
    field = "community"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in visible_communities(request.user).only("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() and str(self.value()).isdigit():
            return queryset.filter(**{f"{self.field}_id": self.value()})
        return queryset


class MembershipCommunityFilter(VisibleCommunityFilter):
    field = "content_object"


class CommunityScopedAdmin(AccessRuleAdmin):
    """Rows that belong to a community: only those of communities the viewer may see."""

    community_field = "community"

    def visible_rows(self, request):
        return self.model._default_manager.filter(
            **{f"{self.community_field}__in": visible_communities(request.user)}
        )


class MembershipInline(ReadOnly, AccessRuleInline):
    """The members of a community, read-only (see the module docstring)."""

    model = Membership
    fk_name = "content_object"
    fields = ("user", "role", "expires_at", "created_at")
    readonly_fields = fields
    extra = 0

    def visible_rows(self, request):
        return Membership.objects.filter(content_object__in=visible_communities(request.user)).select_related(
            "user", "content_object"
        )


class CommunityAdminForm(forms.ModelForm):
    # No Meta: the admin builds the form's fields for CommunityAdmin.

    def clean(self):
        data = super().clean()
        ceiling = data.get("ceiling")
        # Widening or lowering is refused while content sits above the new ceiling (SPEC §2.1);
        # no count: some of those items may be invisible to the viewer (SPEC §2.2).
        if self.instance.pk and ceiling and ceiling != self.instance.ceiling:
            if content_above(self.instance, ceiling):
                self.add_error(
                    "ceiling",
                    _("Refused: the community holds content classified above %(level)s.")
                    % {"level": Level(ceiling).label},
                )
        return data


class AppointOwnerForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community with no owner"), coerce=int)
    username = forms.CharField(label=_("Username of the new owner"), max_length=150)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = choices

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(_("No active account has this username."))
        return user


def orphan_label(community, visible_ids) -> str:
    if community.pk in visible_ids:
        return community.name
    return gettext("Restricted community #%(id)d with no owner") % {"id": community.pk}


@admin.register(Community)
class CommunityAdmin(AccessRuleAdmin):
    form = CommunityAdminForm
    list_display = ("name", "visibility", "ceiling", "is_archived", "last_activity_at")
    list_filter = ("visibility", "ceiling", "is_archived")
    search_fields = ("name", "slug", "description")
    # Names and slugs are unique: editing them here would answer "already exists" for a
    # restricted community's (an existence oracle). Communities are created and renamed on the
    # site, through communities.services, by their owners.
    # Archiving and un-archiving are records actions, in the records audit log, and un-archiving is
    # the records officers' alone (SPEC §4): they do both in the records area (records.archiving),
    # not here, where a system manager's change would leave no audit row.
    readonly_fields = ("name", "slug", "created_by", "created_at", "last_activity_at", "is_archived", "archived_at")
    inlines = [MembershipInline]
    change_list_template = "admin/communities/community/change_list.html"

    def visible_rows(self, request):
        return visible_communities(request.user)

    def get_urls(self):
        appoint = path(
            "appoint-owner/",
            self.admin_site.admin_view(self.appoint_owner_view),
            name="communities_community_appoint_owner",
        )
        return [appoint, *super().get_urls()]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A community is destroyed only by records disposition (SPEC §4), which keeps its records:
        # the admin's delete would cascade past the approval, the package and the certificate.
        return False

    def appoint_owner_view(self, request):
        """Appoint an owner of a community whose owners have all left (SPEC §3)."""
        if not (request.user.is_active and request.user.is_superuser):
            raise PermissionDenied
        orphans = list(orphaned_communities().order_by("pk").only("pk", "name"))
        visible_ids = set(
            visible_communities(request.user).filter(pk__in=[c.pk for c in orphans]).values_list("pk", flat=True)
        )
        choices = [(c.pk, orphan_label(c, visible_ids)) for c in orphans]
        form = AppointOwnerForm(request.POST or None, choices=choices)
        if request.method == "POST" and form.is_valid():
            community = next(c for c in orphans if c.pk == form.cleaned_data["community"])
            user = form.cleaned_data["username"]
            try:
                owner_appoint_by_manager(actor=request.user, community=community, user=user)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    gettext("%(user)s is now owner of %(community)s; the appointment is logged.")
                    % {"user": user, "community": orphan_label(community, visible_ids)},
                )
                return redirect("admin:communities_community_appoint_owner")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Appoint an owner"),
            "opts": self.model._meta,
            "form": form,
            "orphans": choices,
        }
        return TemplateResponse(request, "admin/communities/appoint_owner.html", context)


@admin.register(Membership)
class MembershipAdmin(CommunityScopedAdmin, ReadOnlyAdmin):
    community_field = "content_object"
    list_display = ("user", "content_object", "role", "expires_at", "created_at")
    list_filter = ("role", MembershipCommunityFilter)
    search_fields = ("user__username",)
    list_select_related = ("user", "content_object")


@admin.register(JoinRequest)
class JoinRequestAdmin(CommunityScopedAdmin, ReadOnlyAdmin):
    list_display = ("user", "community", "state", "created_at", "decided_by", "decided_at")
    # The requester's message is for the community's owners, who read it on the site.
    exclude = ("message",)
    list_filter = ("state", VisibleCommunityFilter)
    search_fields = ("user__username",)
    list_select_related = ("user", "community", "decided_by")


@admin.register(MembershipEvent)
class MembershipEventAdmin(CommunityScopedAdmin, ReadOnlyAdmin):
    list_display = ("at", "action", "user", "role", "community", "actor")
    list_filter = ("action", VisibleCommunityFilter)
    search_fields = ("user__username", "actor__username")
    list_select_related = ("user", "community", "actor")
