from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.signals import post_migrate

CRONTAB_DEFAULTS = {
    "minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*", "timezone": "UTC",
}


def _ensure_records_officers_group(using=None, **kwargs):
    # The data migration creates the group; a flush (transactional tests, a
    # database reset) empties it, and post_migrate follows every flush.
    from django.contrib.auth.models import Group

    from .models import RECORDS_OFFICERS_GROUP

    Group.objects.using(using).get_or_create(name=RECORDS_OFFICERS_GROUP)


def sync_periodic_tasks(using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """Create the periodic tasks of ``settings.PERIODIC_TASKS`` that the database lacks; returns their names.

    Runs after every migrate (and flush). A task already there, by name, is left
    as it is: a system manager may have edited or disabled it in /admin/.
    """
    from django.conf import settings
    from django.utils import timezone

    try:
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    except LookupError:  # django_celery_beat is not migrated (yet)
        return []
    if not router.allow_migrate_model(using, PeriodicTask):
        return []
    there = set(PeriodicTask.objects.using(using).filter(name__in=settings.PERIODIC_TASKS)
                .values_list("name", flat=True))
    created = []
    for name, spec in settings.PERIODIC_TASKS.items():
        if name in there:
            continue
        when = {**CRONTAB_DEFAULTS, **spec["crontab"]}
        crontab = (CrontabSchedule.objects.using(using).filter(**when).order_by("pk").first()
                   or CrontabSchedule.objects.using(using).create(**when))
        _, new = PeriodicTask.objects.using(using).get_or_create(name=name, defaults={
            "task": spec["task"], "crontab": crontab, "enabled": True, "description": spec.get("description", ""),
        })
        if new:
            created.append(name)
    if created:
        # Tell a running beat to reload (PeriodicTask.save() would, but these are the migration state's models).
        PeriodicTasks.objects.using(using).update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return created


class UnisocialConfig(AppConfig):
    name = "unisocial"
    verbose_name = "unisocial core"

    def ready(self):
        from . import (
            accounts,  # noqa: F401 (the sign-in receivers: unisocial.accounts.record_sign_in)
            security_log,  # failed sign-ins and lockouts, logged as security events (SPEC §8)
        )

        security_log.connect_lockouts()

        post_migrate.connect(_ensure_records_officers_group, sender=self, dispatch_uid="unisocial.records_officers")
        post_migrate.connect(sync_periodic_tasks, sender=self, dispatch_uid="unisocial.periodic_tasks")
