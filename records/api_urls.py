"""/api/v1/records/ (SPEC §6): schedules, holds, batches, reports; see ``records.api``."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, declassification_api

router = SimpleRouter()
router.register("schedules", api.ScheduleViewSet, basename="records-schedule")
router.register("holds", api.HoldViewSet, basename="records-hold")
router.register("batches", api.BatchViewSet, basename="records-batch")

urlpatterns = [
    path("inventory/", api.InventoryReport.as_view(), name="api-records-inventory"),
    path("stale/", api.StaleReport.as_view(), name="api-records-stale"),
    path("stale/<slug:slug>/still-in-use/", api.StillInUse.as_view(), name="api-records-still-in-use"),
    path("due/", api.DueReport.as_view(), name="api-records-due"),
    path("declassification/", declassification_api.DeclassificationReviewList.as_view(),
         name="api-records-declassification"),
    *router.urls,
]
