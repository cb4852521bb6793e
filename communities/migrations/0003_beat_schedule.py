"""Schedule the daily membership job with django_celery_beat (SPEC §2.1).

``celery -A unisocial beat`` runs with the DatabaseScheduler, so the schedule
lives in the database where system managers can see and adjust it in /admin/.
"""

from django.db import migrations

TASK_NAME = "expire memberships"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "communities.tasks.expire_memberships_task",
            "crontab": schedule,
            "enabled": True,
            "description": (
                "Warn owners a week before a membership ends; remove members on the end date."
            ),
        },
    )
    # Tell a running beat to reload (the model's save() would do this outside migrations).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
