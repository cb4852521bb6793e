"""Celery tasks of the core (SPEC §8). Thin: Django's own commands do the work."""

from celery import shared_task
from django.core.management import call_command


@shared_task(acks_late=True)
def clear_expired_sessions_task() -> None:
    """Delete the expired sessions (Django's ``clearsessions``): the database session table grows by
    one row per sign-in and nothing else removes a session that simply timed out. Safe to run twice.
    Scheduled by the ``clear expired sessions`` periodic task (``settings.PERIODIC_TASKS``)."""
    call_command("clearsessions")
