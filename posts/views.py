"""Post pages. For now the detail page only (SPEC §6 ``/posts/<id>/``); the full
post feature (forms, comments, history) comes with the content work.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .models import Post


def access_post(user, pk) -> Post:
    """The only way a view loads a post: visible to ``user`` or 404 (SPEC §2.2)."""
    try:
        return Post.objects.visible_to(user).select_related("community", "author").get(pk=pk)
    except Post.DoesNotExist:
        raise Http404 from None


@login_required
def detail(request, pk):
    post = access_post(request.user, pk)
    return render(request, "posts/detail.html", {"post": post, "community": post.community})
