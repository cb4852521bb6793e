"""The "Report" action in the browser (SPEC §3): a form on every post, comment and wiki page.

The item is loaded through the access rule (not visible means 404); the
service decides the rest, and its refusals become clear messages.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unisocial.ratelimits import RateLimited

from . import selectors, services


@require_POST
@login_required
def report(request, target_type, target_id):
    item = selectors.access_item(request.user, target_type, target_id)
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
        messages.success(
            request, _("Thank you: your report was sent to the community's moderators, who will review it.")
        )
    return redirect(item.get_absolute_url())
