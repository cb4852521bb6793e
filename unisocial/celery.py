"""The Celery application (SPEC §4: long jobs run in Celery).

With ``REDIS_URL`` set, tasks go through Redis; without it the settings make
Celery run every task in process (``task_always_eager``), so ``make run``
needs no services.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unisocial.settings.base")

app = Celery("unisocial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
