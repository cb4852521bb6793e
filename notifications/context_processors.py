"""Template context shared by every page: the unread notification count for the nav."""

from functools import cache

from .unread import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread():
        # Lazy: pages that never render the nav (redirects, JSON) pay no query.
        # From the cache, exact (notifications/unread.py); notifications about items the user can
        # no longer see are not counted.
        return unread_count(user)

    return {"unread_notifications": unread}
