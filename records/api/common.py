"""The records officers' permission, shared by the records API modules."""
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.settings import api_settings


class IsRecordsOfficer(permissions.BasePermission):
    message = _("Only records officers may use the records reports and actions.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_records_officer)


# The project's defaults (authenticated, terms accepted) and then: a records officer.
OFFICERS = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsRecordsOfficer]
