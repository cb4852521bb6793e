"""Admin for posts (SPEC §2.2: admin pages go through the same visibility rule).

Superusers are not exempt: the admin shows a post only if
``Post.objects.visible_to(request.user)`` does. Posts are viewed here, never
written: edits, tags, level changes, readers and withdrawals go through
``posts.services`` (history, sanitizing, level rules, notifications), and only
records disposition destroys. So every field is read-only and the form offers no
choice list — in particular no list of every tag (SPEC §2.2: tags are visible
only through a visible item; the page shows this post's own tags).

There are no object-permission pages (guardian's ``GuardedModelAdmin`` is not
used): readers change only through the service that validates and
records them. Its history is read on the post's page (SPEC §2.3), not here.
"""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from communities.admin import VisibleCommunityFilter
from unisocial.admin import AccessRuleAdmin

from .models import Post


@admin.register(Post)
class PostAdmin(AccessRuleAdmin):
    list_display = ("title", "community", "classification", "status", "author", "created_at")
    list_filter = ("classification", "status", VisibleCommunityFilter)
    search_fields = ("title",)
    list_select_related = ("community", "author")
    show_full_result_count = False
    exclude = ("tags",)

    def visible_rows(self, request):
        # The one access rule; nothing else decides what the admin lists or opens.
        return Post.objects.visible_to(request.user).select_related("community", "author")

    def get_readonly_fields(self, request, obj=None):
        return [*(f.name for f in self.model._meta.concrete_fields), "tag_names"]

    @admin.display(description=_("tags"))
    def tag_names(self, obj):
        return ", ".join(t.name for t in obj.tags.all()) if obj and obj.pk else ""

    def history_view(self, request, object_id, extra_context=None):
        # A post's revisions are read on its page, where those recorded above its current level
        # show only to its author and the owners (SPEC §2.3); Django's admin log is not that.
        raise Http404

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
