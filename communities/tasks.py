"""Celery tasks for communities (SPEC §2.1). Thin: the logic is in ``services``."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_memberships_task() -> dict:
    """The daily membership job: warn owners a week before an end date, remove on the date.

    Safe to run twice: a warned membership is not warned again and a removed one is gone.
    Scheduled by the ``expire memberships`` periodic task (``settings.PERIODIC_TASKS``).
    """
    return services.expire_memberships()
