"""Admin for accounts and the terms of use (SPEC §1, §5).

System managers (superusers) run the site here. Content admins elsewhere go
through the access rule; accounts and terms hold no classified content.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import TermsAcceptance, TermsVersion, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit trail: listed and viewed, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")

    def has_delete_permission(self, request, obj=None):
        # Staff who leave are deactivated, never deleted: their content stays (SPEC §4).
        return False


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "title", "published_at")
    ordering = ("-published_at",)

    def has_delete_permission(self, request, obj=None):
        # Acceptances point at the version they accepted (PROTECT).
        return False


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("user", "terms", "accepted_at")
    list_filter = ("terms",)
    search_fields = ("user__username",)
    list_select_related = ("user", "terms")
