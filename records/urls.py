from django.urls import path

from .views import archiving, declassification, disposition, exports, holds, reports, schedules, staleness

app_name = "records"
urlpatterns = [
    path("stale/<slug:slug>/still-in-use/", staleness.still_in_use, name="still_in_use"),
    path("", reports.dashboard, name="dashboard"),
    path("inventory/", reports.inventory, name="inventory"),
    path("stale/", staleness.stale, name="stale"),
    path("due/", reports.due, name="due"),
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/new/", schedules.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/", schedules.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/history/", schedules.schedule_history, name="schedule_history"),
    path("gather/", schedules.gather_now, name="gather_now"),
    path("holds/", holds.hold_list, name="holds"),
    path("holds/<int:pk>/release/", holds.hold_release, name="hold_release"),
    path("archiving/", archiving.archiving_page, name="archiving"),
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

# A community's exports, for its owners (SPEC §4, §6): composed into the communities namespace by
# unisocial.urls, so they read /communities/<slug>/export/ and /communities/<slug>/exports/<id>/.
community_patterns = [
    path("<slug:slug>/export/", exports.export_start, name="export_start"),
    path("<slug:slug>/exports/", exports.export_list, name="exports"),
    path("<slug:slug>/exports/<int:pk>/", exports.export_detail, name="export"),
    path("<slug:slug>/exports/<int:pk>/progress.json", exports.export_progress, name="export_progress"),
    path("<slug:slug>/exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
