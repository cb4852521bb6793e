"""/api/v1/records/ (SPEC §6): schedules, holds, batches, reports; see ``records.api``."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import archiving, declassification, disposition, exports, holds, reports, staleness

router = SimpleRouter()
router.register("schedules", disposition.ScheduleViewSet, basename="records-schedule")
router.register("holds", holds.HoldViewSet, basename="records-hold")
router.register("batches", disposition.BatchViewSet, basename="records-batch")

urlpatterns = [
    path("inventory/", reports.InventoryReport.as_view(), name="api-records-inventory"),
    path("stale/", staleness.StaleReport.as_view(), name="api-records-stale"),
    path("stale/<slug:slug>/still-in-use/", staleness.StillInUse.as_view(), name="api-records-still-in-use"),
    path("due/", reports.DueReport.as_view(), name="api-records-due"),
    path("quarantine/", disposition.QuarantineList.as_view(), name="api-records-quarantine"),
    path("quarantine/<str:target_type>/<int:target_id>/restore/", disposition.QuarantineRestore.as_view(),
         name="api-records-quarantine-restore"),
    path("declassification/", declassification.DeclassificationReviewList.as_view(),
         name="api-records-declassification"),
    path("communities/<slug:slug>/archive/", archiving.ArchiveCommunity.as_view(), name="api-records-archive"),
    path("communities/<slug:slug>/unarchive/", archiving.UnarchiveCommunity.as_view(), name="api-records-unarchive"),
    *router.urls,
]

# A community's exports, for its owners (SPEC §6): routed by unisocial.api_urls under communities/.
community_patterns = [
    path("<slug:slug>/export/", exports.ExportStart.as_view(), name="api-community-export-start"),
    path("<slug:slug>/exports/<int:pk>/", exports.ExportDetail.as_view(), name="api-community-export"),
    path("<slug:slug>/exports/<int:pk>/download/", exports.ExportDownload.as_view(),
         name="api-community-export-download"),
]
