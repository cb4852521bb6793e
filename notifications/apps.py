from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Every statement on every connection is seen by the unread count's invalidation.
        from .unread import install_everywhere

        install_everywhere()
