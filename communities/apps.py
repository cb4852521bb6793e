from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _forget_role_permissions(**kwargs):
    # flush (used by transactional tests) and migrate re-create Permission rows
    # with new ids: the per-process cache must not outlive them.
    from .models import _ROLE_PERMISSIONS

    _ROLE_PERMISSIONS.clear()


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Communities")

    def ready(self):
        from . import notices  # noqa: F401  the sentences of its notifications (SPEC §7)

        post_migrate.connect(_forget_role_permissions, dispatch_uid="communities.forget_role_permissions")
