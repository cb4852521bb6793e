"""Admin for communities and memberships (SPEC §2.1).

Superusers are not exempt from the visibility rule (SPEC §2.2): every admin
here starts from ``Community.objects.visible_to(request.user)``, so a
restricted community stays nonexistent to a system manager who is not a
member — absent from lists, filters, choices and change pages alike.
Memberships are edited only inline on their community, where the "keep at
least one owner" rule is checked; the audit tables are read-only.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unisocial.admin import ReadOnlyAdmin
from unisocial.classification import Level

from .models import Community, JoinRequest, Membership, MembershipEvent, Role
from .services import content_above


def visible_communities(request):
    return Community.objects.visible_to(request.user)


class VisibleCommunityFilter(admin.SimpleListFilter):
    """A community filter that lists only the communities the viewer may see."""

    title = _("community")
    parameter_name = "community"
    field = "community"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in visible_communities(request).only("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field}_id": self.value()})
        return queryset


class MembershipCommunityFilter(VisibleCommunityFilter):
    field = "content_object"


class CommunityScopedAdmin(admin.ModelAdmin):
    """Rows that belong to a community: only those of communities the viewer may see."""

    community_field = "community"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(**{f"{self.community_field}__in": visible_communities(request)})
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Community:
            kwargs["queryset"] = visible_communities(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        now = timezone.now()
        owners = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            expires_at = data.get("expires_at")
            if data.get("role") == Role.OWNER and (expires_at is None or expires_at > now):
                owners += 1
        if owners < 1:
            raise ValidationError(_("A community must keep at least one owner."))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    fk_name = "content_object"
    # ``permission`` is derived from ``role`` in Membership.save().
    fields = ("user", "role", "expires_at", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 0


class CommunityAdminForm(forms.ModelForm):
    # No Meta: the admin builds the form's fields for CommunityAdmin.

    def clean(self):
        data = super().clean()
        ceiling = data.get("ceiling")
        # Widening or lowering is refused while content sits above the new ceiling (SPEC §2.1).
        if self.instance.pk and ceiling and ceiling != self.instance.ceiling:
            n = content_above(self.instance, ceiling)
            if n:
                self.add_error(
                    "ceiling",
                    _("Refused: the community holds %(n)d items classified above %(level)s.")
                    % {"n": n, "level": Level(ceiling).label},
                )
        return data


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    form = CommunityAdminForm
    list_display = ("name", "visibility", "ceiling", "is_archived", "last_activity_at")
    list_filter = ("visibility", "ceiling", "is_archived")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_by", "created_at", "last_activity_at", "archived_at")
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return visible_communities(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


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
    list_filter = ("state", VisibleCommunityFilter)
    search_fields = ("user__username",)
    list_select_related = ("user", "community", "decided_by")


@admin.register(MembershipEvent)
class MembershipEventAdmin(CommunityScopedAdmin, ReadOnlyAdmin):
    list_display = ("at", "action", "user", "role", "community", "actor")
    list_filter = ("action", VisibleCommunityFilter)
    search_fields = ("user__username", "actor__username")
    list_select_related = ("user", "community", "actor")
