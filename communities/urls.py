"""HTML routes of the communities (SPEC §6, ``/communities/``). The namespace also holds a
community's front page (``detail``) and its wiki pages, which read the apps above this one:
``unisocial.urls`` composes them in."""
from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("", views.directory, name="list"),
    path("new/", views.create, name="create"),
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
]
