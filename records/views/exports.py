"""Community exports in the browser (SPEC §4 "Community export"), for a community's owners.

Under the communities namespace (``unisocial.urls`` composes ``records.urls.community_patterns``):

* ``/communities/<slug>/exports/`` — the owner's exports of the community and the button that
  starts one (POST ``/communities/<slug>/export/``);
* ``/communities/<slug>/exports/<id>/`` — one export: its state, progress (polled by
  ``records.js`` from ``…/progress.json``; a "Refresh" link without JS) and, when done, the
  download link (``…/download/``, streamed from the private storage, logged).

A community the user may not see is 404; a visible one they do not own is 403; an export that
is not theirs (another community's, another person's, or theirs after they stopped being an
owner) is 404, like any object they may not see.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.selectors import get_community_for, my_role
from unisocial.private_storage import set_content_length

from .. import exports
from ..models import CommunityExport


def owned_community(user, slug):
    """The community, if ``user`` may see it (else 404) and owns it (else 403)."""
    community = get_community_for(user, slug)
    exports.require_owner(user, community)
    return community


def own_export(user, community, pk):
    return get_object_or_404(
        CommunityExport.objects.visible_to(user).filter(community=community).select_related("community")
        .defer("contents"), pk=pk
    )


def status_text(export, *, now=None) -> str:
    """One sentence on where ``export`` is, for the page and the progress JSON (read out)."""
    State = CommunityExport.State
    if exports.is_stalled(export, now=now):
        return exports.stalled_message()
    if export.state == State.QUEUED:
        return _("Queued: waiting for a worker.")
    if export.state == State.RUNNING:
        if not export.total:
            return _("Running: gathering the items.")
        return _("Running: %(done)d of %(total)d items packaged.") % {"done": export.done, "total": export.total}
    if export.state == State.FAILED:
        return _("Failed: %(error)s") % {"error": export.error}
    if export.state == State.EXPIRED:
        return _("Removed: exports are kept for %(days)d days.") % {"days": exports.export_days()}
    return _("Done: %(total)d items packaged.") % {"total": export.total}


def export_panel(export) -> dict:
    stalled = exports.is_stalled(export)
    return {
        "export": export,
        "active": export.state in exports.ACTIVE_STATES and not stalled,
        "stalled": stalled,
        "status": status_text(export),
        "progress_url": reverse("communities:export_progress", args=[export.community.slug, export.pk]),
        "download_url": reverse("communities:export_download", args=[export.community.slug, export.pk])
        if export.state == CommunityExport.State.DONE and export.file else "",
    }


@login_required
def export_list(request, slug):
    community = owned_community(request.user, slug)
    mine = (CommunityExport.objects.visible_to(request.user).filter(community=community)
            .select_related("community").defer("contents")[:20])
    return render(request, "records/community_exports.html", {
        "community": community,
        "my_role": my_role(request.user, community),
        "exports": [export_panel(e) for e in mine],
        "days": exports.export_days(),
    })


@login_required
@require_POST
def export_start(request, slug):
    community = owned_community(request.user, slug)
    export, created = exports.export_request(actor=request.user, community=community)
    if created:
        messages.success(request, _("Export %(id)s started: this page shows its progress.") % {"id": export.pk})
    else:
        messages.info(request, _("Export %(id)s is already under way: this page shows its progress.")
                      % {"id": export.pk})
    return redirect("communities:export", slug=community.slug, pk=export.pk)


@login_required
def export_detail(request, slug, pk):
    community = owned_community(request.user, slug)
    export = own_export(request.user, community, pk)
    return render(request, "records/community_export.html", {
        "community": community,
        "my_role": my_role(request.user, community),
        "panel": export_panel(export),
        "days": exports.export_days(),
    })


def progress_json(export) -> dict:
    stalled = exports.is_stalled(export)
    return {
        "id": export.pk,
        "community": export.community.slug,
        "state": "stalled" if stalled else export.state,
        "done": export.done,
        "total": export.total,
        "percent": export.percent,
        "text": _("%(done)d of %(total)d items") % {"done": export.done, "total": export.total},
        "status": _("Export %(id)s: %(status)s") % {"id": export.pk, "status": status_text(export)},
        "requested_at": export.requested_at.isoformat(),
        "finished_at": export.finished_at.isoformat() if export.finished_at else None,
        "expires_at": export.expires_at.isoformat() if export.expires_at else None,
        "size": export.size,
        "sha256": export.sha256 or None,
        "highest_classification": export.highest_classification or None,
        "error": export.error or None,
    }


@login_required
def export_progress(request, slug, pk):
    community = owned_community(request.user, slug)
    export = own_export(request.user, community, pk)
    return JsonResponse(progress_json(export), headers={"Cache-Control": "no-store"})


def download_response(actor, export) -> FileResponse:
    """The package, streamed from the private storage (never a public URL); logged."""
    fh = exports.open_download(actor=actor, export=export)
    response = FileResponse(fh, as_attachment=True, filename=exports.download_name(export),
                            content_type="application/zip")
    set_content_length(response, fh)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def export_download(request, slug, pk):
    community = owned_community(request.user, slug)
    export = get_object_or_404(
        CommunityExport.objects.visible_to(request.user).filter(community=community).select_related("community"), pk=pk
    )
    if export.state != CommunityExport.State.DONE or not export.file:
        messages.info(request, _("This export is not ready for download."))
        return redirect("communities:export", slug=community.slug, pk=export.pk)
    return download_response(request.user, export)
