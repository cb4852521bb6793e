"""Celery tasks for notifications (SPEC §2.4). Thin: the logic is in ``notifications.services``.

Both recompute visibility and the recipient's e-mail choice when they run, not
when they were queued, and are safe to run twice (``acks_late``). Their names are
the ones they had when they lived in ``posts.tasks``: queued messages and the beat
schedule (``settings.PERIODIC_TASKS``) name them so.
"""

from celery import shared_task

from . import services


@shared_task(name="posts.tasks.send_notification_email_task", acks_late=True)
def send_notification_email_task(notification_id: int) -> bool:
    """E-mail one notification to a person who wants e-mail at once (queued by ``notify``)."""
    return services.send_notification_email(notification_id)


@shared_task(name="posts.tasks.send_daily_digest_task", acks_late=True)
def send_daily_digest_task() -> dict:
    """The daily digest; scheduled in ``settings.PERIODIC_TASKS``."""
    return services.send_daily_digest()
