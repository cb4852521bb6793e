"""Once the daily membership job's schedule; now empty, kept in the migration graph.

The periodic tasks are declared in one place, ``settings.PERIODIC_TASKS``, and
created after each migrate by ``unisocial.apps.sync_periodic_tasks``.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
