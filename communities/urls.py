from django.urls import path

from posts import wiki_views

from . import views

app_name = "communities"
urlpatterns = [
    path("", views.directory, name="list"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("<slug:slug>/members/<str:username>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/members/<str:username>/remove/", views.member_remove, name="member_remove"),
    path(
        "<slug:slug>/requests/<str:username>/approve/",
        views.request_approve,
        name="request_approve",
    ),
    path(
        "<slug:slug>/requests/<str:username>/decline/",
        views.request_decline,
        name="request_decline",
    ),
    # Wiki pages (SPEC §6): views in posts/wiki_views.py.
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
