"""Likes are counted one way (posts.selectors.likes_of): on a list, on the post page and after a like
the same number, and a test fails if one of them starts counting differently."""
import pytest

from posts import selectors, services
from posts.models import Post

pytestmark = pytest.mark.django_db


def test_list_page_and_like_agree(make_post, make_user, member):
    post = make_post()
    people = [make_user() for _ in range(3)]
    for person in people:
        member(post.community, person)
        services.post_like(actor=person, post=post)
    after = services.post_like(actor=people[0], post=post, like=False)
    listed = selectors.with_counts(Post.objects.filter(pk=post.pk), people[1]).get().like_count
    page = selectors.post_likes(people[1], post)
    assert after == listed == page["count"] == selectors.like_count(post) == 2
    assert page["liked"] and not selectors.post_likes(people[0], post)["liked"]


def test_a_popular_post_counts_beyond_the_names_shown(make_post, make_user, member):
    post = make_post()
    for _ in range(4):
        person = make_user()
        member(post.community, person)
        services.post_like(actor=person, post=post)
    page = selectors.post_likes(person, post, shown=2)
    assert page["count"] == 4 and len(page["first"]) == 2 and page["others"] == 2 and page["liked"]
