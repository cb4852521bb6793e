"""The beat job that takes over a killed worker's batch runs every minute, not every five
(recovery after a killed worker took 661 s). A database that still has the old default (``*/5``) moves to the new one;
a schedule a system manager changed in /admin/ is left as it is. New databases get it from
``settings.PERIODIC_TASKS`` (``unisocial.apps.sync_periodic_tasks``)."""
from django.db import migrations
from django.utils import timezone

NAME = "records: run approved batches"


def every_minute(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    task = PeriodicTask.objects.filter(name=NAME, crontab__minute="*/5").select_related("crontab").first()
    if task is None:
        return
    old = task.crontab
    when = {"minute": "*", "hour": old.hour, "day_of_week": old.day_of_week, "day_of_month": old.day_of_month,
            "month_of_year": old.month_of_year, "timezone": old.timezone}
    crontab = CrontabSchedule.objects.filter(**when).order_by("pk").first() or CrontabSchedule.objects.create(**when)
    PeriodicTask.objects.filter(pk=task.pk).update(crontab=crontab)
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})  # beat reloads


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0007_freeze_four_eyes_quarantine_certificate"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(every_minute, migrations.RunPython.noop)]
