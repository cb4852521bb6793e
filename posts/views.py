"""Post pages in the browser (SPEC §2.2–2.4, §6): detail, write, edit, withdraw,
recommend, comments, history, attachment downloads, tag and profile pages.
Wiki pages are in ``posts.wiki_views``.

Views are thin: every post is loaded through ``selectors.access_post`` (not
visible means 404), every list through ``visible_to``, and every change
through ``posts.services``. A service's ``ValidationError`` becomes form
errors, its ``PermissionDenied`` a message (or a 403 for a forbidden page).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import selectors as community_selectors
from communities.access import role_in
from communities.forms import add_service_errors
from unisocial.classification import Role, Status
from unisocial.views import LANGUAGE_CODES, remember_language

from . import selectors, services
from .forms import CommentForm, PostForm
from .pages import (
    download,
    error_text,
    form_context,
    page_links,
    page_of,
    preview_or_errors,
    refused,
    report_warnings,
    safe_body,
)

# --- shared with the wiki views ----------------------------------------------------------




















# --- the post page ------------------------------------------------------------------------


def _detail(request, post, comment_form=None, status=200):
    user = request.user
    community = post.community
    my_role = role_in(user, community)
    likes = selectors.post_likes(user, post)
    writable = not community.is_archived
    services.log_view(user, post)
    comments_page, threads = selectors.post_comments(
        user, post, page=request.GET.get("page"), comment=request.GET.get("comment")
    )
    return render(
        request,
        "posts/detail.html",
        {
            "post": post,
            "community": community,
            "my_role": my_role,
            "body": safe_body(post.body),
            "tags": selectors.post_tags(post),
            "likes": likes,
            "liked": likes["liked"],
            "page_obj": comments_page,
            "attachments": selectors.post_attachments(user, post),
            "threads": threads,
            "is_author": post.author_id == user.pk,
            "writable": writable,
            "can_comment": writable and my_role is not None and post.status == Status.PUBLISHED,
            "comment_form": comment_form or CommentForm(),
        },
        status=status,
    )


@login_required
def detail(request, pk):
    return _detail(request, selectors.access_post(request.user, pk))


@login_required
def history(request, pk):
    post = selectors.access_post(request.user, pk)
    revisions = services.visible_history(request.user, post)
    return render(
        request,
        "posts/history.html",
        {"post": post, "community": post.community, "page_obj": page_of(request, revisions)},
    )


# --- writing posts ------------------------------------------------------------------------


@login_required
def create(request):
    slug = request.GET.get("community", "")
    if not slug:
        messages.info(request, _("Choose a community to post in, then use its “New post” link."))
        return redirect("communities:list")
    community = community_selectors.get_community_for(request.user, slug)
    if response := refused(request, services.require_can_write, community, back=community):
        return response
    # The home composer's title, if one was typed there, starts the form (SPEC §2.5).
    initial = {"title": request.GET.get("title", "").strip()[:200]}
    form = PostForm(
        request.POST or None, request.FILES or None, community=community, initial=initial, author=request.user
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = preview_or_errors(request, form, community=community, author=request.user)
        else:
            try:
                post, warnings = services.post_create(
                    actor=request.user, community=community, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                messages.error(request, error_text(error))
                return redirect(community)
            else:
                if post.status == Status.PENDING:
                    messages.success(
                        request, _("Your post was saved and awaits a moderator's approval.")
                    )
                else:
                    messages.success(request, _("Your post was published."))
                report_warnings(request, warnings)
                return redirect(post)
    context = form_context(
        form,
        community=community,
        item=None,
        author=request.user,
        user=request.user,
        preview=preview,
        kind="post",
    )
    # Pre-moderation (SPEC §3): a plain member's post waits for approval; the form says so first.
    context["awaits_approval"] = community.premoderation and role_in(request.user, community) == Role.MEMBER
    return render(request, "posts/form.html", context)


def _own_post(request, pk):
    """The post, loaded by the rule (404), that the service would let this person change."""
    post = selectors.access_post(request.user, pk)
    return post, refused(request, services.require_can_change, post, back=post)


def _post_initial(post) -> dict:
    readers = [g.user for g in post.reader_grants.select_related("user")]
    return {
        "title": post.title,
        "body": post.body_source or post.body,
        "body_format": post.body_format if post.body_source else "html",
        "classification": post.classification,
        "readers": ", ".join(sorted(u.username for u in readers)),
        "readers_list": readers,
        "tags": ", ".join(post.tags.order_by("name").values_list("name", flat=True)),
    }


@login_required
def edit(request, pk):
    post, response = _own_post(request, pk)
    if response:
        return response
    community = post.community
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        community=community,
        item=post,
        initial=_post_initial(post),
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = preview_or_errors(request, form, community=community, author=post.author)
        else:
            try:
                post, warnings = services.post_update(
                    actor=request.user,
                    post=post,
                    reason=form.cleaned_data.get("reason", ""),
                    **form.service_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                messages.error(request, error_text(error))
                return redirect(post)
            else:
                messages.success(request, _("Your changes were saved."))
                report_warnings(request, warnings)
                return redirect(post)
    return render(
        request,
        "posts/form.html",
        form_context(
            form,
            community=community,
            item=post,
            author=post.author,
            user=request.user,
            preview=preview,
            kind="post",
        ),
    )


@login_required
def delete(request, pk):
    post, response = _own_post(request, pk)
    if response:
        return response
    if request.method == "POST":
        try:
            services.post_withdraw(actor=request.user, post=post)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, error_text(error))
            return redirect(post)
        messages.success(request, _("Your post was deleted."))
        return redirect(post.community)
    return render(request, "posts/confirm_delete.html", {"post": post, "community": post.community})


@require_POST
@login_required
def like(request, pk):
    post = selectors.access_post(request.user, pk)
    try:
        services.post_like(actor=request.user, post=post, like=request.POST.get("action") != "undo")
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
    return redirect(f"{post.get_absolute_url()}#recommendations")


# --- comments -----------------------------------------------------------------------------


@require_POST
@login_required
def comment_create(request, pk):
    post = selectors.access_post(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.access_comment(request.user, post, form.cleaned_data["parent"])
        try:
            comment, warnings = services.comment_create(
                actor=request.user, post=post, body=form.cleaned_data["body"], parent=parent,
                body_format=form.cleaned_data.get("body_format") or "text",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            messages.error(request, error_text(error))
            return redirect(post)
        else:
            messages.success(request, _("Your comment was added."))
            report_warnings(request, warnings)
            return redirect(comment.get_absolute_url())
    return _detail(request, post, comment_form=form)


def _own_comment(request, pk, comment_pk):
    post = selectors.access_post(request.user, pk)
    comment = selectors.access_comment(request.user, post, comment_pk)
    comment.post = post
    return post, comment, refused(request, services.require_can_change, comment, back=post)


@login_required
def comment_edit(request, pk, comment_pk):
    post, comment, response = _own_comment(request, pk, comment_pk)
    if response:
        return response
    form = CommentForm(request.POST or None, initial={"body": comment.body_source or comment.body}, comment=comment)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                actor=request.user, comment=comment, body=form.cleaned_data["body"],
                body_format=form.cleaned_data.get("body_format") or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            messages.error(request, error_text(error))
            return redirect(post)
        else:
            messages.success(request, _("Your comment was updated."))
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "posts/comment_form.html",
        {"post": post, "community": post.community, "comment": comment, "form": form},
    )


@login_required
def comment_delete(request, pk, comment_pk):
    post, comment, response = _own_comment(request, pk, comment_pk)
    if response:
        return response
    if request.method == "POST":
        try:
            services.comment_withdraw(actor=request.user, comment=comment)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Your comment was deleted."))
        return redirect(post)
    return render(
        request,
        "posts/comment_confirm_delete.html",
        {"post": post, "community": post.community, "comment": comment},
    )


# --- attachments --------------------------------------------------------------------------


@login_required
def attachment(request, pk, attachment_pk):
    attachment = selectors.access_post_attachment(request.user, pk, attachment_pk)
    return download(request, attachment)


# --- tags and people ----------------------------------------------------------------------


@login_required
def tag(request, slug):
    tag, posts = selectors.tag_with_posts(request.user, slug)
    return render(request, "posts/tag.html", {"tag": tag, "page_obj": page_of(request, posts)})


@login_required
def profile(request, username):
    person = selectors.person(username)
    communities = page_of(
        request, selectors.communities_of(request.user, person), param="communities_page"
    )
    return render(
        request,
        "posts/profile.html",
        {
            "person": person,
            "page_obj": page_of(request, selectors.posts_by(request.user, person)),
            "communities_page": communities,
            "communities_links": page_links(request, communities, "communities_page"),
        },
    )


@require_POST
@login_required
def editor_setting(request):
    """The person's own choice of editor (SPEC §2.3): the rich-text editor, or Markdown in the
    plain textarea. Only their own; anything but the two choices changes nothing."""
    choice = request.POST.get("editor")
    if choice not in ("rich", "markdown"):
        messages.error(request, _("Choose the rich-text editor or Markdown."))
    else:
        request.user.writes_markdown = choice == "markdown"
        request.user.save(update_fields=["writes_markdown"])
        if request.user.writes_markdown:
            messages.success(request, _("You will write in Markdown."))
        else:
            messages.success(request, _("You will write in the rich-text editor."))
    return redirect("posts:profile", request.user.username)


@require_POST
@login_required
def language_setting(request):
    """The person's own language (SPEC §7): one of the six, or blank for the browser's. Kept on
    the person (every page, notification and e-mail is in it) and in the language cookie."""
    choice = request.POST.get("language", "")
    if choice and choice not in LANGUAGE_CODES:
        messages.error(request, _("Choose one of the languages offered."))
        return redirect("posts:profile", request.user.username)
    response = redirect("posts:profile", request.user.username)
    remember_language(request, response, choice)
    if choice:
        translation.activate(choice)  # said in the language just chosen, as the next page will be
    messages.success(request, _("Your language is saved."))
    return response
