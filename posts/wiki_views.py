"""Wiki pages in the browser (SPEC §2.3, §6): index, create, page, edit,
history, diff between two revisions, revert, attachment downloads.

The community is loaded through ``communities.selectors.get_community_for``
and the page through ``selectors.access_wiki`` (not visible means 404); the
revisions shown, compared or restored are only those ``services.visible_history``
gives the user. Routes live under ``/communities/<slug>/wiki/`` (communities/urls.py).
"""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from communities.access import role_in
from communities.forms import add_service_errors
from communities.selectors import get_community_for
from unisocial.classification import rank

from . import selectors, services
from .forms import WikiForm
from .pages import (
    download,
    error_text,
    form_context,
    page_of,
    preview_or_errors,
    refused,
    report_warnings,
    safe_body,
)


def _index_url(community):
    return redirect("communities:wiki_index", slug=community.slug)


def _can_write(request, community) -> bool:
    return not community.is_archived and role_in(request.user, community) is not None


@login_required
def index(request, slug):
    community = get_community_for(request.user, slug)
    pages = selectors.wiki_pages_for(request.user, community)
    return render(
        request,
        "posts/wiki_index.html",
        {
            "community": community,
            "my_role": role_in(request.user, community),
            "page_obj": page_of(request, pages),
            "can_write": _can_write(request, community),
        },
    )


@login_required
def create(request, slug):
    community = get_community_for(request.user, slug)
    if response := refused(request, services.require_can_write, community, back=community):
        return response
    form = WikiForm(request.POST or None, request.FILES or None, community=community, author=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = preview_or_errors(request, form, community=community, author=request.user)
        else:
            try:
                page, warnings = services.wiki_create(
                    actor=request.user, community=community, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                messages.error(request, error_text(error))
                return redirect(community)
            else:
                messages.success(request, _("The page was created."))
                report_warnings(request, warnings)
                return redirect(page)
    return render(
        request,
        "posts/form.html",
        form_context(
            form,
            community=community,
            item=None,
            author=request.user,
            user=request.user,
            preview=preview,
            kind="wiki",
        ),
    )


@login_required
def detail(request, slug, page):
    community = get_community_for(request.user, slug)
    page = selectors.access_wiki(request.user, community, page)
    services.log_view(request.user, page)
    return render(
        request,
        "posts/wiki_detail.html",
        {
            "community": community,
            "page": page,
            "body": safe_body(page.body),
            "attachments": selectors.wiki_attachments(request.user, page),
            "can_write": _can_write(request, community),
        },
    )


def _page_initial(page, manage_audience) -> dict:
    initial = {
        "title": page.title,
        "body": page.body_source or page.body,
        "body_format": page.body_format if page.body_source else "html",
        "classification": page.classification,
    }
    if manage_audience:
        # The readers only for those who see and change them (SPEC §2.3).
        readers = [g.user for g in page.reader_grants.select_related("user")]
        initial["readers"] = ", ".join(sorted(u.username for u in readers))
        initial["readers_list"] = readers
    return initial


@login_required
def edit(request, slug, page):
    community = get_community_for(request.user, slug)
    page = selectors.access_wiki(request.user, community, page)
    if response := refused(request, services.require_can_edit_page, page, back=page):
        return response
    manage_audience = services.manages_audience(request.user, page)
    form = WikiForm(
        request.POST or None,
        request.FILES or None,
        community=community,
        item=page,
        manage_audience=manage_audience,
        initial=_page_initial(page, manage_audience),
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = preview_or_errors(request, form, community=community, author=page.author)
        else:
            try:
                page, warnings = services.wiki_update(
                    actor=request.user,
                    page=page,
                    reason=form.cleaned_data.get("reason", ""),
                    **form.service_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                messages.error(request, error_text(error))
                return redirect(page)
            else:
                messages.success(request, _("Your changes were saved."))
                report_warnings(request, warnings)
                if not services.ensure_still_visible(request.user, page):
                    messages.info(request, _("At its new level, you can no longer see this page."))
                    return _index_url(community)
                return redirect(page)
    return render(
        request,
        "posts/form.html",
        form_context(
            form,
            community=community,
            item=page,
            author=page.author,
            user=request.user,
            preview=preview,
            kind="wiki",
        ),
    )


@login_required
def history(request, slug, page):
    community = get_community_for(request.user, slug)
    page = selectors.access_wiki(request.user, community, page)
    revisions = page_of(request, services.visible_history(request.user, page))
    return render(
        request,
        "posts/wiki_history.html",
        {
            "community": community,
            "page": page,
            "page_obj": revisions,
            "can_write": _can_write(request, community),
        },
    )


def _revision(revisions, history_id):
    try:
        return revisions.get(history_id=int(history_id))
    except (TypeError, ValueError, revisions.model.DoesNotExist):
        raise Http404 from None


def diff_lines(old: str, new: str):
    """A unified diff of two texts as ``(kind, line)`` pairs; the template escapes the lines."""
    lines = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "added"
        elif line.startswith("-"):
            kind = "removed"
        else:
            kind = "same"
        lines.append((kind, line))
    return lines


@login_required
def diff(request, slug, page):
    community = get_community_for(request.user, slug)
    page = selectors.access_wiki(request.user, community, page)
    revisions = services.visible_history(request.user, page)
    old = _revision(revisions, request.GET.get("from"))
    new = _revision(revisions, request.GET.get("to"))
    if (old.history_date, old.history_id) > (new.history_date, new.history_id):
        old, new = new, old
    return render(
        request,
        "posts/wiki_diff.html",
        {
            "community": community,
            "page": page,
            "old": old,
            "new": new,
            "lines": diff_lines(old.body_source or old.body, new.body_source or new.body),
            "title_changed": old.title != new.title,
            "can_write": _can_write(request, community),
        },
    )


@login_required
def revert(request, slug, page):
    """GET ``?version=``: "Revert to this revision?" — the confirmation (SPEC §2.5), which also
    asks the reason when the revert lowers the page (SPEC §2.3); POST: revert."""
    community = get_community_for(request.user, slug)
    page = selectors.access_wiki(request.user, community, page)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method != "POST":
        revision = _revision(services.visible_history(request.user, page), request.GET.get("version"))
        # The write's own check (a member of a writable community, no records hold), before the form.
        services.require_can_edit_page(request.user, page)
        services.require_can_restore(request.user, page, revision)
        return render(
            request,
            "posts/wiki_revert_confirm.html",
            {
                "community": community,
                "page": page,
                "revision": revision,
                "lowers": rank(revision.classification) < rank(page.classification),
                "level_changes": revision.classification != page.classification,
            },
        )
    revision = _revision(services.visible_history(request.user, page), request.POST.get("version"))
    try:
        page = services.wiki_revert(
            actor=request.user,
            page=page,
            version=revision.history_id,
            reason=request.POST.get("reason", "")[:80],
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
        return redirect("communities:wiki_history", slug=community.slug, page=page.slug)
    messages.success(request, _("The page was reverted; the revert is a new revision."))
    if not services.ensure_still_visible(request.user, page):
        return _index_url(community)
    return redirect(page)


@login_required
def attachment(request, slug, page, attachment_pk):
    community = get_community_for(request.user, slug)
    page = selectors.access_wiki(request.user, community, page)
    return download(request, selectors.access_wiki_attachment(request.user, page, attachment_pk))
