"""Community pages (SPEC §2.1, §6): directory, create, edit, join and leave, members.
The front page of a community (its posts, wiki pages and staleness flag) reads the
apps above this one and lives in ``feed.views.community``.

Views are thin: every community is loaded through ``selectors.get_community_for``
(invisible means 404), and every change through ``communities.services``. A service's ``PermissionDenied``
or ``ValidationError`` becomes a message (or form errors), never a 500.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.access import ROLE_RANK
from unisocial.classification import Visibility

from . import selectors, services
from .forms import (
    CommunityForm,
    DirectoryFilterForm,
    MemberAddForm,
    MemberRoleForm,
    add_service_errors,
)
from .models import Membership, Role

PAGE_SIZE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do this.")


def _members_url(community):
    return redirect("communities:members", slug=community.slug)


@login_required
def directory(request):
    filters = DirectoryFilterForm(request.GET or None)
    communities = selectors.communities_for(request.user).order_by("name")
    if filters.is_valid() and filters.cleaned_data["visibility"]:
        communities = communities.filter(visibility=filters.cleaned_data["visibility"])
    page = _page(request, communities)
    my_roles = dict(
        Membership.objects.active()
        .filter(user=request.user, content_object__in=[c.pk for c in page])
        .values_list("content_object_id", "role")
    )
    for community in page:
        community.my_role = my_roles.get(community.pk)
    return render(request, "communities/list.html", {"page_obj": page, "filters": filters})


@login_required
def create(request):
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The community “%(name)s” was created.") % {"name": community.name}
            )
            return redirect(community)
    return render(request, "communities/form.html", {"form": form, "community": None})


@login_required
def edit(request, slug):
    community = selectors.get_community_for(request.user, slug)
    try:  # the service's own check, before the form: not an owner is the 403 page with its reason
        services.require_can_manage(request.user, community)
    except services.ReadOnly as error:
        messages.error(request, _error_text(error))
        return redirect(community)
    form = CommunityForm(
        request.POST or None, initial=CommunityForm.initial_for(community), editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            messages.error(request, _error_text(error))
            return redirect(community)
        else:
            messages.success(request, _("The community was updated."))
            return redirect(community)
    return render(request, "communities/form.html", {"form": form, "community": community})


@require_POST
@login_required
def join(request, slug):
    community = selectors.get_community_for(request.user, slug)
    try:
        status = services.community_join(actor=request.user, community=community)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        if status == "member":
            messages.success(
                request, _("You are now a member of %(name)s.") % {"name": community.name}
            )
        else:
            messages.success(
                request,
                _("Your request to join %(name)s was sent to its owners.")
                % {"name": community.name},
            )
    return redirect(community)


@require_POST
@login_required
def leave(request, slug):
    community = selectors.get_community_for(request.user, slug)
    try:
        services.member_remove(
            actor=request.user, community=community, user=request.user, reason="left"
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _error_text(error))
        return redirect(community)
    messages.success(request, _("You left %(name)s.") % {"name": community.name})
    # A restricted community no longer exists for someone who left it.
    if community.visibility == Visibility.RESTRICTED:
        return redirect("communities:list")
    return redirect(community)


@login_required
def members(request, slug):
    community = selectors.get_community_for(request.user, slug)
    my_role = selectors.my_role(request.user, community)
    is_owner = my_role == Role.OWNER
    # Owners first, then moderators, then members.
    memberships = sorted(
        selectors.members_of(community), key=lambda m: (-ROLE_RANK[m.role], m.user.username)
    )
    if is_owner:
        for membership in memberships:
            membership.role_form = MemberRoleForm(
                prefix=f"m{membership.pk}",
                initial={
                    "role": membership.role,
                    "end_date": timezone.localdate(membership.expires_at)
                    if membership.expires_at
                    else None,
                },
            )
    return render(
        request,
        "communities/members.html",
        {
            "community": community,
            "my_role": my_role,
            "is_owner": is_owner and not community.is_archived,
            "memberships": memberships,
            "requests": list(selectors.pending_requests(community)) if is_owner else [],
            "add_form": MemberAddForm(prefix="add") if is_owner else None,
        },
    )


def _named_user(request, username):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        messages.error(
            request,
            _("There is no account with the username “%(username)s”.") % {"username": username},
        )
    return user


def _run(request, action, success_message):
    """Call a service; report its refusal as a message instead of an error page."""
    try:
        action()
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _error_text(error))
        return False
    messages.success(request, success_message)
    return True


@require_POST
@login_required
def member_add(request, slug):
    community = selectors.get_community_for(request.user, slug)
    form = MemberAddForm(request.POST, prefix="add")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _members_url(community)
    user = form.user
    _run(
        request,
        # Adding never changes an existing member's role (SPEC §2.5): member_add refuses them.
        lambda: services.member_add(
            actor=request.user,
            community=community,
            user=user,
            role=form.cleaned_data["role"],
            expires_at=form.expires_at,
        ),
        _("%(user)s is now a %(role)s of the community.")
        % {"user": user, "role": Role(form.cleaned_data["role"]).label.lower()},
    )
    return _members_url(community)


@require_POST
@login_required
def member_role(request, slug, username):
    community = selectors.get_community_for(request.user, slug)
    user = _named_user(request, username)
    if user is None:
        return _members_url(community)
    membership = selectors.members_of(community).filter(user=user).first()
    if membership is None:
        messages.error(request, _("%(user)s is not a member of this community.") % {"user": user})
        return _members_url(community)
    form = MemberRoleForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _members_url(community)
    _run(
        request,
        lambda: services.member_set(
            actor=request.user,
            community=community,
            user=user,
            role=form.cleaned_data["role"],
            expires_at=form.expires_at,
        ),
        _("The membership of %(user)s was updated.") % {"user": user},
    )
    return _members_url(community)


@login_required
def member_remove(request, slug, username):
    """GET: "Remove X?" — the confirmation (SPEC §2.5: destructive actions ask first), for the
    community's owners only (anyone else 403, before looking the person up), and only for one of
    its active members (404 otherwise). POST: remove."""
    community = selectors.get_community_for(request.user, slug)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method != "POST":
        services.require_can_manage(request.user, community)
        membership = selectors.members_of(community).filter(user__username=username).first()
        if membership is None:
            raise Http404
        return render(
            request,
            "communities/member_remove_confirm.html",
            {"community": community, "membership": membership, "person": membership.user},
        )
    user = _named_user(request, username)
    if user is None:
        return _members_url(community)
    if user == request.user:
        return leave(request, slug)
    _run(
        request,
        lambda: services.member_remove(actor=request.user, community=community, user=user),
        _("%(user)s was removed from the community.") % {"user": user},
    )
    return _members_url(community)


@require_POST
@login_required
def request_approve(request, slug, username):
    community = selectors.get_community_for(request.user, slug)
    user = _named_user(request, username)
    if user is None:
        return _members_url(community)
    if selectors.my_role(request.user, community) != Role.OWNER:
        messages.error(request, _("Only the community's owners may do this."))
        return _members_url(community)
    if not selectors.pending_requests(community).filter(user=user).exists():
        messages.error(request, _("There is no pending request from this person."))
        return _members_url(community)
    _run(
        request,
        lambda: services.member_set(
            actor=request.user, community=community, user=user, role=Role.MEMBER
        ),
        _("%(user)s is now a member of the community.") % {"user": user},
    )
    return _members_url(community)


@require_POST
@login_required
def request_decline(request, slug, username):
    community = selectors.get_community_for(request.user, slug)
    user = _named_user(request, username)
    if user is None:
        return _members_url(community)
    _run(
        request,
        lambda: services.join_request_decline(actor=request.user, community=community, user=user),
        _("The request from %(user)s was declined.") % {"user": user},
    )
    return _members_url(community)
