"""HTML routes of the wiki pages (SPEC §6), under a community's address: composed into the
``communities`` namespace in ``unisocial.urls`` (``communities.urls`` may not import posts)."""
from django.urls import path

from . import wiki_views

community_patterns = [
    path("<slug:slug>/wiki/", wiki_views.index, name="wiki_index"),
    path("<slug:slug>/wiki/new/", wiki_views.create, name="wiki_create"),
    path("<slug:slug>/wiki/<slug:page>/", wiki_views.detail, name="wiki"),
    path("<slug:slug>/wiki/<slug:page>/edit/", wiki_views.edit, name="wiki_edit"),
    path("<slug:slug>/wiki/<slug:page>/history/", wiki_views.history, name="wiki_history"),
    path("<slug:slug>/wiki/<slug:page>/diff/", wiki_views.diff, name="wiki_diff"),
    path("<slug:slug>/wiki/<slug:page>/revert/", wiki_views.revert, name="wiki_revert"),
    path(
        "<slug:slug>/wiki/<slug:page>/attachments/<int:attachment_pk>/",
        wiki_views.attachment,
        name="wiki_attachment",
    ),
]
