"""Admin for posts (SPEC §2.2: admin pages go through the same visibility rule).

Superusers are not exempt: the admin shows a post only if
``Post.objects.visible_to(request.user)`` does. Posts are viewed here, not
written: edits, level changes and withdrawals go through ``posts.services``
(history, sanitizing, level rules), and only records disposition destroys.
guardian's object-permission pages manage a post's named readers
(``read_post`` grants; a grant to a non-member has no effect, SPEC §2.3).
"""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from communities.admin import VisibleCommunityFilter

from .models import Post


@admin.register(Post)
class PostAdmin(GuardedModelAdmin):
    list_display = ("title", "community", "classification", "status", "author", "created_at")
    list_filter = ("classification", "status", VisibleCommunityFilter)
    search_fields = ("title",)
    list_select_related = ("community", "author")
    show_full_result_count = False

    def get_queryset(self, request):
        # The one access rule; nothing else decides what the admin lists or opens.
        return Post.objects.visible_to(request.user).select_related("community", "author")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
