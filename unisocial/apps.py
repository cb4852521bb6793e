from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_records_officers_group(using=None, **kwargs):
    # The data migration creates the group; a flush (transactional tests, a
    # database reset) empties it, and post_migrate follows every flush.
    from django.contrib.auth.models import Group

    from .models import RECORDS_OFFICERS_GROUP

    Group.objects.using(using).get_or_create(name=RECORDS_OFFICERS_GROUP)


class UnisocialConfig(AppConfig):
    name = "unisocial"
    verbose_name = "unisocial core"

    def ready(self):
        post_migrate.connect(_ensure_records_officers_group, sender=self, dispatch_uid="unisocial.records_officers")
