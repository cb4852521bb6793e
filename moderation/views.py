"""Moderation in the browser, outside the owners' admin pages (SPEC §3).

* ``report``: the "Report" form on every post, comment and wiki page. A reporter whose report
  hides the item (the threshold reached) no longer sees it: they land on a page that thanks
  them and says it is now hidden, not on a "not found" page.
* ``act``: every moderation action (approve, reject, dismiss, hide, restore, reclassify with
  its level, escalate), with its reason, from the review cards of /moderation/queue/ and from
  the item's own page. One POST route, driven through ``services.moderate``.

Items are loaded through the access rule (not visible means 404); the services decide the
rest, and their refusals become clear messages.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities.access import can_view
from unisocial import items
from unisocial.classification import Status
from unisocial.ratelimits import RateLimited

from . import selectors, services
from .models import ModerationAction


@require_POST
@login_required
def report(request, target_type, target_id):
    item = selectors.access_item(request.user, target_type, target_id)
    was_hidden = item.status == Status.HIDDEN
    try:
        services.flag_create(
            actor=request.user,
            item=item,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except RateLimited as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        if not can_view(request.user, item):
            # The report hid it (SPEC §3): its page would now be a 404 to this person.
            return render(
                request,
                "moderation/report_thanks.html",
                {"what": items.item_type(target_type).verbose_name, "community": selectors.community_of(item)},
            )
        if item.status == Status.HIDDEN and not was_hidden:
            # An owner's or moderator's confidentiality report hides at once; they still see it.
            messages.success(request, _("Thank you: your report hid the item at once, until it is reviewed."))
        else:
            messages.success(
                request, _("Thank you: your report was sent to the community's moderators, who will review it.")
            )
    return redirect(item.get_absolute_url())


def _back(request, item) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return item.get_absolute_url()


@require_POST
@login_required
def act(request, target_type, target_id):
    """One moderation action on one item (SPEC §3): 404 when the item is invisible, 403 for
    anyone who may not moderate it, a message for a refusal (a missing reason, a level that does
    not raise, a records hold), then back to where the person came from."""
    item = selectors.access_item(request.user, target_type, target_id)
    services.require_moderator(request.user, item)  # 403 before any input is judged
    action = request.POST.get("action", "")
    try:
        services.moderate(
            actor=request.user,
            item=item,
            action=action,
            reason=request.POST.get("reason", ""),
            classification=request.POST.get("classification") or None,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except (PermissionDenied, Http404) as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        messages.success(request, str(DONE.get(action, _("Done."))))
    return redirect(_back(request, item))


Action = ModerationAction.Action
DONE = {
    Action.APPROVE: gettext_lazy("Approved: the item is published, and its author was told."),
    Action.REJECT: gettext_lazy("Rejected: the item is hidden, and its author was told why."),
    Action.DISMISS: gettext_lazy("Reports dismissed: the item stays, and its reports are closed."),
    Action.HIDE: gettext_lazy("Hidden: only its author and the moderators see it now; its author was told why."),
    Action.RESTORE: gettext_lazy("Restored: the item is published again, and its author was told."),
    Action.RECLASSIFY: gettext_lazy("Reclassified: the item now has its new level, and its author was told why."),
    Action.ESCALATE: gettext_lazy("Escalated: the system managers were notified and can see the item."),
}
