"""Schedule the daily notification digest with django_celery_beat (SPEC §2.4).

Like ``communities/migrations/0003_beat_schedule.py``: the schedule lives in the
database, where system managers can see and adjust it in /admin/.
"""

from django.db import migrations

TASK_NAME = "send daily notification digests"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "posts.tasks.send_daily_digest_task",
            "crontab": schedule,
            "enabled": True,
            "description": (
                "E-mail those who chose a daily digest one list of their unread notifications."
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
        ("posts", "0005_notification_preferences"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
