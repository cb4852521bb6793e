"""Post, tag and people pages (SPEC §6). Mounted at the site root so that the
``posts`` namespace also holds ``/tags/<slug>/`` and ``/people/<username>/``;
wiki routes live under ``/communities/<slug>/wiki/`` (communities/urls.py)."""

from django.urls import path

from . import views

app_name = "posts"
urlpatterns = [
    path("posts/new/", views.create, name="create"),
    path("posts/<int:pk>/", views.detail, name="detail"),
    path("posts/<int:pk>/edit/", views.edit, name="edit"),
    path("posts/<int:pk>/delete/", views.delete, name="delete"),
    path("posts/<int:pk>/like/", views.like, name="like"),
    path("posts/<int:pk>/history/", views.history, name="history"),
    path("posts/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("posts/<int:pk>/comments/<int:comment_pk>/edit/", views.comment_edit, name="comment_edit"),
    path(
        "posts/<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path(
        "posts/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
    path("tags/<slug:slug>/", views.tag, name="tag"),
    path("people/<str:username>/", views.profile, name="profile"),
    path("settings/editor/", views.editor_setting, name="editor_setting"),
    path("settings/language/", views.language_setting, name="language_setting"),
]
