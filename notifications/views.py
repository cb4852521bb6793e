"""The notifications page (SPEC §2.4, §6 ``/notifications/``).

Every notification is loaded through ``visible_notifications`` (only mine, and
only those whose item I can still see): another person's notification, or one
about an item I can no longer see, is 404. Following a notification marks it
read; changes are POSTs through ``notifications.services``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .messages import render_all
from .models import NotificationPreference
from .selectors import email_preference, visible_notifications
from .services import notification_mark_all_read, notification_mark_read, notification_preference_set

PAGE_SIZE = 20


def _mine(request, pk):
    notification = visible_notifications(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


@login_required
def notification_list(request):
    page = Paginator(visible_notifications(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # The sentences, in the language this page is shown in (the reader's), one query for all.
    page.object_list = render_all(page.object_list)
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "email_preference": email_preference(request.user),
            "email_choices": NotificationPreference.Email.choices,
        },
    )


@login_required
def notification_open(request, pk):
    """Follow a notification: mark it read and go to what it is about."""
    notification = _mine(request, pk)
    notification_mark_read(actor=request.user, notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read(request, pk):
    notification = _mine(request, pk)
    notification_mark_read(actor=request.user, notification=notification)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = notification_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return _back(request)


@login_required
@require_POST
def notification_preferences(request):
    choice = request.POST.get("email", "")
    if choice not in NotificationPreference.Email.values:
        messages.error(request, _("Choose immediately, daily digest or never."))
        return redirect("notifications")
    notification_preference_set(actor=request.user, email=choice)
    messages.success(request, _("Your e-mail choice is saved."))
    return redirect("notifications")
