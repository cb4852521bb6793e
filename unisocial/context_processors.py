"""Template context shared by every page: the unread notification count for the nav."""

from functools import cache

from posts.models import Notification


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread():
        # Lazy: pages that never render the nav (redirects, JSON) pay no query.
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notifications": unread}
