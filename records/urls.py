from django.urls import path

from . import declassification_views, views

app_name = "records"
urlpatterns = [
    path("stale/<slug:slug>/still-in-use/", views.still_in_use, name="still_in_use"),
    path("", views.dashboard, name="dashboard"),
    path("inventory/", views.inventory, name="inventory"),
    path("stale/", views.stale, name="stale"),
    path("due/", views.due, name="due"),
    path("holds/", views.hold_list, name="holds"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/certificate/", views.batch_certificate, name="certificate"),
    path("batches/<int:pk>/certificate.csv", views.batch_certificate_csv, name="certificate_csv"),
    path("access-log/", views.access_log, name="access_log"),
    path("declassification/", declassification_views.review_list, name="declassification"),
    path("reports/<slug:kind>/run/", views.report_run, name="report_run"),
    path("reports/<int:pk>/progress.json", views.report_progress, name="report_progress"),
]
