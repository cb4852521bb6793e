from django.urls import path

from .views import declassification, disposition, holds, reports, staleness

app_name = "records"
urlpatterns = [
    path("stale/<slug:slug>/still-in-use/", staleness.still_in_use, name="still_in_use"),
    path("", reports.dashboard, name="dashboard"),
    path("inventory/", reports.inventory, name="inventory"),
    path("stale/", staleness.stale, name="stale"),
    path("due/", reports.due, name="due"),
    path("holds/", holds.hold_list, name="holds"),
    path("holds/<int:pk>/release/", holds.hold_release, name="hold_release"),
    path("batches/", disposition.batch_list, name="batches"),
    path("batches/<int:pk>/", disposition.batch_detail, name="batch"),
    path("batches/<int:pk>/approve/", disposition.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/confirm/<slug:slug>/", disposition.batch_confirm, name="batch_confirm"),
    path("quarantine/", disposition.quarantine_list, name="quarantine"),
    path("quarantine/<str:target_type>/<int:target_id>/restore/", disposition.quarantine_restore,
         name="quarantine_restore"),
    path("batches/<int:pk>/certificate/", disposition.batch_certificate, name="certificate"),
    path("batches/<int:pk>/certificate.csv", disposition.batch_certificate_csv, name="certificate_csv"),
    path("access-log/", reports.access_log, name="access_log"),
    path("declassification/", declassification.review_list, name="declassification"),
    path("reports/<slug:kind>/run/", reports.report_run, name="report_run"),
    path("reports/<int:pk>/progress.json", reports.report_progress, name="report_progress"),
]
