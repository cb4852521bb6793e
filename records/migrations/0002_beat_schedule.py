"""Schedule the records jobs with django_celery_beat (SPEC §4), editable in /admin/.

Daily staleness (flag, notify, archive after grace) and gathering of due items;
approved batches nobody is running are queued every five minutes. Each job runs
at most once per window (records.jobs.run_once), so two beats do no harm.
"""
from django.db import migrations

JOBS = [
    ("records: staleness", "records.tasks.staleness_task", {"minute": "30", "hour": "1"},
     "Flag communities inactive for STALE_COMMUNITY_DAYS, notify owners, archive after STALE_GRACE_DAYS."),
    ("records: gather due items", "records.tasks.gather_due_task", {"minute": "45", "hour": "1"},
     "Gather items past retention into a disposition batch per schedule, for approval."),
    ("records: run approved batches", "records.tasks.run_approved_batches_task", {"minute": "*/5", "hour": "*"},
     "Queue approved disposition batches that no worker is running (never started, or the worker died)."),
]


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, when, description in JOBS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC", **when
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "enabled": True, "description": description}
        )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[j[0] for j in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
