"""The owners' admin pages at /moderation/ (SPEC §3).

A second Django ``AdminSite`` for community owners and moderators, who need
no global staff rights: an active account that accepted the current terms and
owns or moderates at least one community may enter. Every page is limited by
the access rule and by the communities the person moderates (one base
``get_queryset``), so a moderator of A sees nothing of B and no moderator
ever meets a strictly confidential item (a change page answers 404).

Pages: the queue (grouped by item, oldest first, counts by reason, with bulk
actions), the items of their communities (posts, comments, wiki pages;
filters by status, level and flag reason; bulk actions asking for a reason),
and the moderation log (read-only). Each page costs a constant number of
queries whatever the size of the queue.
"""
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from posts.services import log_view
from unisocial import items
from unisocial.admin import AccessRuleAdmin, ReadOnly
from unisocial.admin_site import RuleShortcutMixin
from unisocial.classification import Level
from unisocial.sanitize import clean_html

from . import selectors, services
from .models import Flag, ModeratedComment, ModeratedPost, ModeratedWikiPage, ModerationAction
from .panels import panel_for, panels_for

Action = ModerationAction.Action
BULK_ACTIONS = [Action.APPROVE, Action.REJECT, Action.DISMISS, Action.HIDE, Action.RESTORE]


class ModerationAdminSite(RuleShortcutMixin, admin.AdminSite):
    site_header = _("unisocial moderation")
    site_title = _("Moderation")
    index_title = _("Moderation of your communities")
    index_template = "moderation/admin/index.html"
    site_url = "/"
    # The moderation bar under the site's header (templates/admin/base_site.html) lists the pages.
    enable_nav_sidebar = False

    def each_context(self, request):
        # The pages read as the rest of the product: templates/admin/base_site.html asks this.
        return {**super().each_context(request), "is_moderation_site": True}

    def has_permission(self, request):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        # Asked several times per page (index, sidebar, each model): answer once per request.
        allowed = getattr(request, "_moderation_allowed", None)
        if allowed is None:
            allowed = bool(user.accepted_current_terms) and selectors.is_moderator_anywhere(user)
            request._moderation_allowed = allowed
        return allowed

    def get_urls(self):
        return [path("queue/", self.admin_view(self.queue_view), name="queue"), *super().get_urls()]

    def index(self, request, extra_context=None):
        entries = selectors.moderation_queue(request.user)
        extra_context = {
            **(extra_context or {}),
            "queue_size": len(entries),
            "queue_pending": sum(1 for e in entries if e.is_pending),
            "communities": list(selectors.moderated_communities(request.user).order_by("name")),
        }
        return super().index(request, extra_context)

    def queue_view(self, request):
        """Open flags grouped by item, oldest first, with counts by reason, and pending items."""
        request.current_app = self.name
        communities = list(selectors.moderated_communities(request.user).order_by("name"))
        community = next((c for c in communities if c.slug == request.GET.get("community")), None)
        if request.method == "POST":
            return self._queue_bulk(request)
        entries = selectors.moderation_queue(request.user, community=community, with_flags=True)
        escalated = selectors.open_cases(entries)
        for entry in entries:
            # Every item here is one the person works (items_of_communities): offer what its state admits.
            entry.panel = review_panel(entry, open_case=(entry.target_type, entry.target_id) in escalated)
        context = {
            **self.each_context(request),
            "title": gettext("Moderation queue"),
            "entries": entries,
            "communities": communities,
            "community": community,
            "actions": [(a.value, a.label) for a in Action if a in BULK_ACTIONS],
            "reasons": Flag.Reason.choices,
        }
        return TemplateResponse(request, "moderation/admin/queue.html", context)

    def _queue_bulk(self, request):
        keys = request.POST.getlist("selected")
        action = request.POST.get("action", "")
        if action not in BULK_ACTIONS or not keys:
            messages.warning(request, gettext("Choose items and an action."))
            return redirect(request.get_full_path())
        wanted = {}
        for key in keys:
            target_type, _sep, pk = key.partition(":")
            if target_type in selectors.MODELS and pk.isdigit():
                wanted.setdefault(target_type, set()).add(int(pk))
        items = []
        for target_type, ids in wanted.items():
            model = selectors.MODELS[target_type]
            # Through the access rule and the person's communities: anything else is silently absent.
            items.extend(
                selectors.items_of_communities(request.user, model)
                .filter(pk__in=ids)
                .select_related(*selectors.related_for(target_type))
            )
        report_bulk(request, items, action, request.POST.get("reason", ""))
        return redirect(request.get_full_path())


moderation_site = ModerationAdminSite(name="moderation")


def review_panel(entry, *, open_case) -> selectors.ModerationPanel:
    """The buttons of a review card (SPEC §3): one per action the item's state admits."""
    return panel_for(entry.item, entry.target_type, entry.counts if entry.total else {}, open_case)


def run_bulk(actor, items, action, reason):
    """Apply ``action`` to each item; returns (done, [(item, error text)])."""
    done, failed = 0, []
    for item in items:
        try:
            services.moderate(actor=actor, item=item, action=action, reason=reason)
        except (ValidationError, PermissionDenied, Http404) as error:
            if isinstance(error, ValidationError):
                failed.append((item, " ".join(error.messages)))
            else:
                failed.append((item, str(error) or gettext("Refused.")))
        else:
            done += 1
    return done, failed


def report_bulk(request, items, action, reason):
    label = Action(action).label
    done, failed = run_bulk(request.user, items, action, reason)
    if done:
        messages.success(request, gettext("%(action)s: done for %(n)d item(s).") % {"action": label, "n": done})
    for item, text in failed[:10]:
        messages.error(request, gettext("%(action)s refused for “%(item)s”: %(error)s") % {
            "action": label, "item": item, "error": text})
    if len(failed) > 10:
        messages.error(request, gettext("…and %(n)d more refused.") % {"n": len(failed) - 10})


# --- shared by every page of the site ------------------------------------------------------


class ModeratorModelAdmin(ReadOnly, AccessRuleAdmin):
    """Read-only pages for owners and moderators: what they may see, nothing they may edit here.

    Rows, choices, filters, search and "view on site" (the site's ``r/``) go through the
    access rule (``unisocial.admin.AccessRuleAdmin``; deny by default)."""

    show_full_result_count = False

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        # Objects reach here only through get_queryset (the access rule and the person's communities).
        return self.admin_site.has_permission(request)

    def has_moderate_permission(self, request):
        return self.admin_site.has_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # Not there and not yours look the same (SPEC §2.2).
            raise Http404
        self.viewed(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def viewed(self, request, obj):
        pass

    def history_view(self, request, object_id, extra_context=None):
        raise Http404


class ModeratedCommunityFilter(admin.SimpleListFilter):
    """Only the communities the person owns or moderates (one query)."""

    title = _("community")
    parameter_name = "community"
    field = "community_id"

    def lookups(self, request, model_admin):
        return list(selectors.moderated_communities(request.user).order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value() and str(self.value()).isdigit():
            return queryset.filter(**{self.field: int(self.value())})
        return queryset


class FlagReasonFilter(admin.SimpleListFilter):
    """Items with an open report for this reason."""

    title = _("reported for")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return Flag.Reason.choices

    def queryset(self, request, queryset):
        if self.value() in Flag.Reason.values:
            return queryset.filter(
                Exists(
                    Flag.objects.filter(
                        target_type=model_admin_target(queryset.model),
                        target_id=OuterRef("pk"),
                        state=Flag.State.OPEN,
                        reason=self.value(),
                    )
                )
            )
        return queryset


def model_admin_target(model):
    return items.type_of(model)  # a Moderated* proxy is its concrete item model


def bulk_action(action):
    """An admin action that asks for a reason on an intermediate page, then acts on each item."""

    def run(modeladmin, request, queryset):
        reason = request.POST.get("reason", "").strip()
        missing = action in services.REASON_REQUIRED and not reason
        if "apply" not in request.POST or missing:
            request.current_app = modeladmin.admin_site.name
            if "apply" in request.POST:
                messages.error(request, gettext("Give a reason for this action."))
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": gettext("%(action)s: give a reason") % {"action": Action(action).label},
                "action": run.__name__,
                "action_label": Action(action).label,
                "reason_required": action in services.REASON_REQUIRED,
                "items": list(queryset),
                "opts": modeladmin.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
            }
            return TemplateResponse(request, "moderation/admin/action_confirm.html", context)
        report_bulk(request, list(queryset), action, reason)
        return None

    run.__name__ = f"{action}_selected"
    run.short_description = Action(action).label
    run.allowed_permissions = ("moderate",)
    return run


class ItemAdmin(ModeratorModelAdmin):
    """The items of the person's communities, through the access rule."""

    actions = [bulk_action(a) for a in BULK_ACTIONS]
    list_filter = ("status", "classification", FlagReasonFilter, ModeratedCommunityFilter)
    date_hierarchy = None
    ordering = ("-created_at", "-id")

    def visible_rows(self, request):
        target_type = model_admin_target(self.model)
        open_flags = (
            Flag.objects.filter(target_type=target_type, target_id=OuterRef("pk"), state=Flag.State.OPEN)
            .order_by()
            .values("target_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            selectors.items_of_communities(request.user, self.model)
            .select_related(*self.list_select_related)
            .annotate(open_flags=Coalesce(Subquery(open_flags, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("open reports"), ordering="open_flags")
    def open_reports(self, obj):
        return obj.open_flags

    @admin.display(description=_("level"))
    def level(self, obj):
        return Level(selectors.level_of(obj)).label

    @admin.display(description=_("text"))
    def rendered_body(self, obj):
        return mark_safe(clean_html(obj.body))  # noqa: S308 — the output of the one sanitizer

    @admin.display(description=_("page"))
    def link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), gettext("Open on the site"))

    def viewed(self, request, obj):
        log_view(request.user, obj, via="admin")  # strictly confidential views are logged (SPEC §2.2)

    change_form_template = "moderation/admin/item_change.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # Every action on the item's page here too (SPEC §3); obj came through visible_rows.
            context["moderation_panel"] = panels_for([obj], model_admin_target(self.model))[obj.pk]
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(ModeratedPost, site=moderation_site)
class ModeratedPostAdmin(ItemAdmin):
    list_display = ("title", "community", "level", "status", "author", "created_at", "open_reports")
    list_select_related = ("community", "author")
    search_fields = ("title",)
    fields = ("title", "community", "author", "classification", "status", "created_at", "link", "rendered_body")
    readonly_fields = fields


@admin.register(ModeratedWikiPage, site=moderation_site)
class ModeratedWikiPageAdmin(ItemAdmin):
    list_display = ("title", "community", "level", "status", "author", "created_at", "open_reports")
    list_select_related = ("community", "author")
    search_fields = ("title",)
    fields = ("title", "community", "author", "classification", "status", "created_at", "link", "rendered_body")
    readonly_fields = fields


class CommentCommunityFilter(ModeratedCommunityFilter):
    field = "post__community_id"


@admin.register(ModeratedComment, site=moderation_site)
class ModeratedCommentAdmin(ItemAdmin):
    list_display = ("__str__", "post", "community_name", "level", "status", "author", "created_at", "open_reports")
    list_select_related = ("post__community", "author")
    list_filter = ("status", "post__classification", FlagReasonFilter, CommentCommunityFilter)
    fields = ("post", "author", "status", "created_at", "level", "link", "rendered_body")
    readonly_fields = fields

    @admin.display(description=_("community"))
    def community_name(self, obj):
        return obj.post.community.name


@admin.register(ModerationAction, site=moderation_site)
class ModerationLogAdmin(ModeratorModelAdmin):
    """The log of the person's communities (read-only; strictly confidential items: owners only)."""

    list_display = ("created_at", "action", "item", "community", "actor_name", "reason")
    list_filter = ("action", "target_type", ModeratedCommunityFilter)
    list_select_related = ("actor", "community")
    fields = ("created_at", "action", "target_type", "target_id", "community", "actor", "reason",
              "from_level", "to_level")
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    def visible_rows(self, request):
        return selectors.log_for(request.user)

    @admin.display(description=_("item"))
    def item(self, obj):
        return f"{obj.get_target_type_display()} {obj.target_id}"

    @admin.display(description=_("by"))
    def actor_name(self, obj):
        return obj.actor if obj.actor_id else gettext("automatic")


def queue_url(community=None) -> str:
    url = reverse("moderation:queue")
    return f"{url}?community={community.slug}" if community is not None else url

