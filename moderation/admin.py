"""Moderation in the main /admin/, for system managers (SPEC §3).

* the moderation log, read-only (no add, change or delete — the model has no
  such permissions, and the database refuses them too);
* flags, read-only;
* escalation cases, their item shown through the access rule's escalation
  branch (each view of a case with its item is logged), and a "resolve" action.

Each of the three derives from ``unisocial.admin.AccessRuleAdmin`` through
``VisibleTargetRows``: a row shows only while the item it names is visible to the
viewer now (an escalated item is, to system managers, by the rule's escalation
branch). A log row, a flag or a case about an item the viewer cannot see — a
restricted community's, a strictly confidential one's, a withdrawn one's —
is absent with its community name and the moderator's free text (SPEC §2.2);
the owners and moderators read their own log at /moderation/.

The owners' and moderators' own pages are in ``moderation.sites`` (/moderation/).
"""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.admin import VisibleCommunityFilter
from posts.models import AccessLog
from unisocial.admin import ReadOnlyAdmin, target_visible_q
from unisocial.classification import Level
from unisocial.sanitize import clean_html

from . import selectors, services
from .models import EscalationCase, Flag, ModerationAction


class VisibleTargetRows:
    """Rows naming an item (``target_type``/``target_id``): those whose item the viewer may see now."""

    def visible_rows(self, request):
        return self.model._default_manager.filter(target_visible_q(request.user))


@admin.register(ModerationAction)
class ModerationActionAdmin(VisibleTargetRows, ReadOnlyAdmin):
    """The log for system managers: rows about items they may see (SPEC §2.2, §3)."""

    list_display = ("created_at", "action", "target_type", "target_id", "community", "actor", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("reason", "actor__username")
    list_select_related = ("actor", "community")
    show_full_result_count = False

    def get_actions(self, request):
        return {}


@admin.register(Flag)
class FlagAdmin(VisibleTargetRows, ReadOnlyAdmin):
    list_display = ("created_at", "target_type", "target_id", "community", "reason", "flagger", "state")
    list_filter = ("state", "reason", "target_type", VisibleCommunityFilter)
    list_select_related = ("community", "flagger")
    show_full_result_count = False

    def visible_rows(self, request):
        # About a visible item; on a strictly confidential one, not another reporter's note unless
        # the viewer works it as an owner (SPEC §3).
        return selectors.flags_listed_to(request.user)

    def get_actions(self, request):
        return {}


@admin.action(description=_("Resolve the selected cases"), permissions=["resolve"])
def resolve_cases(modeladmin, request, queryset):
    done = 0
    for case in queryset.filter(resolved_at__isnull=True):
        try:
            services.case_resolve(actor=request.user, case=case, resolution=gettext("Resolved from the admin."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            done += 1
    if done:
        messages.success(request, gettext("%(n)d case(s) resolved.") % {"n": done})


@admin.register(EscalationCase)
class EscalationCaseAdmin(VisibleTargetRows, ReadOnlyAdmin):
    """Cases reported to management; the item is shown while it is escalated (and the view logged)."""

    list_display = ("created_at", "target_type", "target_id", "community_shown", "escalated_by", "resolved_at")
    list_filter = ("resolved_at",)
    list_select_related = ("community", "escalated_by", "resolved_by")
    fields = ("created_at", "community_shown", "target_type", "target_id", "escalated_by", "reason",
              "resolved_at", "resolved_by", "resolution")
    readonly_fields = fields
    actions = [resolve_cases]
    change_form_template = "moderation/admin/escalation_case.html"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_resolve_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "escalated_item": self._item_html(request, case) if case else ""}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("community"))
    def community_shown(self, case):
        """The case's community, only if the viewer may see it (a restricted community does
        not exist for a system manager who is not in it; SPEC §2.2)."""
        if getattr(case, "community_visible", False):
            return case.community.name
        return gettext("a community you are not in")

    def get_queryset(self, request):
        from django.db.models import Exists, OuterRef

        from communities.models import Community

        visible = Community.objects.visible_to(request.user).filter(pk=OuterRef("community_id"))
        return super().get_queryset(request).annotate(community_visible=Exists(visible))

    def _item_html(self, request, case):
        try:
            item = selectors.access_item(request.user, case.target_type, case.target_id)
        except Http404:  # resolved, withdrawn or destroyed: no longer visible
            return gettext("The item is no longer visible to you.")
        # SPEC §2.2: an escalated item is visible to system managers, and the view is logged.
        target = item.post if case.target_type == "comment" else item
        AccessLog.objects.create(
            user=request.user,
            target_type=case.target_type,
            target_id=case.target_id,
            community_id=target.community_id,
            classification=target.classification,
            via="escalation",
        )
        from communities.access import can_view

        body = mark_safe(clean_html(item.body))  # noqa: S308 — the output of the one sanitizer
        if case.target_type == "comment" and not can_view(request.user, target):
            # The escalation covers the comment, not its post (SPEC §2.2, §3): no post title, no
            # link to the post's page (a 404 for them), nothing of the parent.
            return format_html(
                '<p><strong>{}</strong> — {} ({})</p><div class="rich-text">{}</div>',
                Level(target.classification).label, gettext("Comment"), item.get_status_display(), body,
            )
        return format_html(
            '<p><strong>{}</strong> — {} ({}) — <a href="{}">{}</a></p><div class="rich-text">{}</div>',
            Level(target.classification).label,
            target.title,
            item.get_status_display(),
            item.get_absolute_url(),
            gettext("Open on the site"),
            body,
        )
