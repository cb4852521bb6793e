"""/moderation/: the owners' admin pages (a second AdminSite, SPEC §3) and the report form's target."""
from django.urls import path

from . import views
from .sites import moderation_site

urlpatterns = [
    path(
        "report/<str:target_type>/<int:target_id>/",
        views.report,
        name="moderation_report",
    ),
    path(
        "act/<str:target_type>/<int:target_id>/",
        views.act,
        name="moderation_act",
    ),
    # The owners' AdminSite, namespace "moderation" (e.g. moderation:index, moderation:queue).
    path("", moderation_site.urls),
]
