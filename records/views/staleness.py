"""Stale communities in the browser (SPEC §4): the records officers' report of flagged and
inactive communities, and the owners' answer to a flag (``still_in_use``)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.selectors import get_community_for
from unisocial.csv_export import csv_response

from .. import reports, staleness
from ..models import StalenessReview
from .common import officer_required, paginate, wants_csv


@login_required
@require_POST
def still_in_use(request, slug):
    """An owner confirms a flagged community is still in use (others: 403; invisible: 404)."""
    community = get_community_for(request.user, slug)
    try:
        staleness.community_still_in_use(actor=request.user, community=community)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: %(community)s stays open.") % {"community": community.name})
    return redirect(community.get_absolute_url())


STALE_HEADER = ["community", "name", "state", "last_activity_at", "flagged_at", "grace_until", "resolved_at",
                "resolved_by", "is_archived"]


@officer_required
def stale(request):
    rows = reports.stale()
    if wants_csv(request):
        return csv_response("records-stale.csv", STALE_HEADER, ([r[f] for f in STALE_HEADER] for r in rows))
    page = paginate(request, rows)
    for row in page:  # the page shows a state's words; the CSV and the API keep its value
        row["state_label"] = StalenessReview.State(row["state"]).label
    return render(request, "records/stale.html", {"page_obj": page})
