"""What the post and wiki pages share: paging, previews with the audience line, error texts,
the form context, attachment downloads. The views of posts (``views.py``) and of wiki pages
(``wiki_views.py``) both use them."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from communities import services as community_services
from communities.forms import add_service_errors
from unisocial.classification import Level
from unisocial.private_storage import set_content_length
from unisocial.sanitize import clean_html
from unisocial.sanitize import render as render_body

from . import services, signals

PAGE_SIZE = 20


def page_of(request, queryset, param="page", size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get(param))


def error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do this.")


def refused(request, check, *args, back):
    """Ask a service's own check (``services.require_can_write`` / ``require_can_change``) before
    a page shows a form, so a refusal is said before anyone types and by the same rule as at Save:
    a read-only community answers with its message on ``back``; a frozen item (a records hold,
    ``signals.WriteFrozen``) lets the page render, and its template shows the hold's notice instead
    of the form (the write itself is refused by the service); any other refusal (not a member, not
    the author) raises its ``PermissionDenied``, the 403 page with the reason.
    Returns the redirect, or None when the page may go ahead."""
    try:
        check(request.user, *args)
    except services.ReadOnly as error:
        messages.error(request, error_text(error))
        return redirect(back)
    except signals.WriteFrozen:
        return None
    return None


def safe_body(html) -> str:
    """The stored body is sanitized on save; cleaning it again (idempotent) keeps a row
    written around the services (imports, fixtures) from ever reaching a page raw."""
    return mark_safe(clean_html(html))  # noqa: S308 — the output of the one sanitizer


def audience_line(form, *, community, author):
    """SPEC §2.4: who the item will reach, from the form's level and readers, or None.

    Unbound forms use their initial values (a forced or current level); bound
    forms their cleaned values, once those fields are valid.
    """
    if form.is_bound:
        data = getattr(form, "cleaned_data", {})
        if (
            "classification" not in data
            or form.has_error("readers")
            or form.has_error("classification")
        ):
            return None
        level, readers = data["classification"], data.get("readers") or []
    else:
        level = form.initial.get("classification") or form.fields["classification"].initial
        readers = form.initial.get("readers_list") or []
    if level not in Level.values:
        return None
    try:
        return community_services.audience(
            community=community, classification=level, author=author, readers=readers
        )
    except ValidationError:
        return None


def preview_or_errors(request, form, *, community, author):
    """The "Preview" button: the audience line (raising a reader error on the form) and the text."""
    try:
        community_services.audience(
            community=community,
            classification=form.cleaned_data["classification"],
            author=author,
            readers=form.cleaned_data.get("readers") or [],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    try:
        html = render_body(form.cleaned_data.get("body", ""), form.cleaned_data["body_format"])
    except ValidationError as error:  # too long or nested too deeply to render (SPEC §2.3)
        add_service_errors(form, error)
        return None
    # SPEC §2.3, §2.4: the warning of mentioned people who will not see the item, already here;
    # the form carries the names it gave, so that Publish does not repeat them.
    form.mention_warnings = services.preview_mention_warnings(
        actor=request.user,
        community=community,
        classification=form.cleaned_data["classification"],
        author=author,
        # An editor who may not change the audience sends no readers: the item's own stay.
        readers=(form.cleaned_data.get("readers") or []) if form.manage_audience else None,
        source=form.cleaned_data.get("body", ""),
        item=form.item,
    )
    form.mentions_acknowledged = ",".join(n for w in form.mention_warnings for n in w.names)
    return safe_body(html)


def page_links(request, page, param) -> dict:
    """Previous/next links for a second list on one page (its own page parameter)."""
    links = {}
    for name, has, number in (
        ("previous", page.has_previous, page.has_previous() and page.previous_page_number()),
        ("next", page.has_next, page.has_next() and page.next_page_number()),
    ):
        if has():
            query = request.GET.copy()
            query[param] = number
            links[name] = f"?{query.urlencode()}"
    return links


MENTIONS_ACKNOWLEDGED = "mentions_acknowledged"


def report_warnings(request, warnings):
    """The service's warnings as messages; of a mention warning, only the names the preview
    that led here has not already given (its ``mentions_acknowledged`` field)."""
    told = {n.strip() for n in request.POST.get(MENTIONS_ACKNOWLEDGED, "").split(",") if n.strip()}
    for warning in warnings:
        names = getattr(warning, "names", None)
        if names:
            left = [n for n in names if n not in told]
            if not left:
                continue
            warning = services.mention_warning(left)
        messages.warning(request, warning)


def download(request, attachment):
    """Stream a private file: only ever as a download, never sniffed, SC downloads logged."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    services.log_view(request.user, attachment, via="download")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    set_content_length(response, handle)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def form_context(form, *, community, item, author, user, preview=None, kind):
    if form.manage_audience:
        audience = audience_line(form, community=community, author=author)
    elif item.classification == Level.STRICTLY_CONFIDENTIAL:
        # Not a count: it would tell how many named readers there are (SPEC §2.3).
        audience = {"description": _("its author, its named readers and the community's owners")}
    else:
        audience = audience_line(form, community=community, author=author)
    return {
        "form": form,
        "community": community,
        "item": item,
        "kind": kind,
        "preview": preview,
        "audience": audience,
        # The API's audience line counts the requester as the author; use it
        # only where that is true (the server-side preview always is right).
        "audience_url_ok": getattr(author, "pk", author) == user.pk,
    }
