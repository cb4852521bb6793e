"""Once the records jobs' schedules; now empty, kept in the migration graph.

The periodic tasks are declared in one place, ``settings.PERIODIC_TASKS``, and
created after each migrate by ``unisocial.apps.sync_periodic_tasks``.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
