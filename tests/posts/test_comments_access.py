"""Comments and attachments inherit their post's level and audience (SPEC §2.2).

Random worlds as in tests/access: the queryset filter for comments and
attachments must equal "the post is visible to U (the SPEC table, written
independently in tests/access/oracle.py) and the comment's own status allows".
"""

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from communities.access import can_view
from communities.models import Membership
from posts.models import Comment, PostAttachment
from tests.access.oracle import World, can_see
from tests.factories import CommunityFactory, PostFactory, UserFactory, grant_reader
from unisocial.classification import levels_up_to

VISIBILITY_CEILINGS = [
    ("open", "unclassified"),
    ("moderated", "confidential"),
    ("restricted", "unclassified"),
    ("restricted", "strictly_confidential"),
]
ROLES = [None, "member", "moderator", "owner", "expired-member"]
STATUSES = ["published", "pending", "hidden", "withdrawn"]

world_spec = st.fixed_dictionaries(
    {
        "communities": st.lists(st.sampled_from(VISIBILITY_CEILINGS), min_size=1, max_size=2),
        "roles": st.lists(st.sampled_from(ROLES), min_size=8, max_size=8),
        "posts": st.lists(
            st.tuples(
                st.integers(0, 1),  # community index (mod n)
                st.integers(0, 2),  # level index (mod allowed levels)
                st.sampled_from(STATUSES),
                st.integers(0, 3),  # author index
                st.sets(st.integers(0, 3), max_size=2),  # readers
            ),
            min_size=1,
            max_size=3,
        ),
        "comments": st.lists(
            st.tuples(
                st.integers(0, 2), st.integers(0, 3), st.sampled_from(STATUSES)
            ),  # post, author, status
            max_size=5,
        ),
        "attachments": st.lists(st.integers(0, 2), max_size=3),  # post index
    }
)


def comment_visible(world, user_id, post_id, comment_author, comment_status, role_of):
    if not can_see(world, user_id, post_id):
        return False
    if comment_status == "published":
        return True
    if comment_status in ("pending", "hidden"):
        # Its author while a member of C (SPEC §2.2: every row needs an active membership), and the
        # moderators.
        return (user_id == comment_author and role_of(user_id) is not None) or role_of(user_id) in (
            "owner", "moderator")
    return False  # withdrawn: nobody, not even its author


class CommentAndAttachmentAccessTests(TestCase):
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec=world_spec)
    def test_comments_and_attachments_follow_their_post(self, spec):
        now = timezone.now()
        communities = [CommunityFactory(visibility=v, ceiling=c) for v, c in spec["communities"]]
        users = [UserFactory() for _ in range(4)]
        world = World(visibility={c.pk: c.visibility for c in communities}, roles={})
        for i, user in enumerate(users):
            for j, community in enumerate(communities):
                role = spec["roles"][(i * 2 + j) % len(spec["roles"])]
                if role is None:
                    continue
                expired = role.startswith("expired-")
                Membership.objects.create(
                    user=user,
                    content_object=community,
                    role=role.removeprefix("expired-"),
                    expires_at=now - timedelta(days=1) if expired else None,
                )
                if not expired:
                    world.roles[(user.pk, community.pk)] = role

        posts = []
        for c_i, lv_i, status, a_i, reader_idx in spec["posts"]:
            community = communities[c_i % len(communities)]
            allowed = levels_up_to(community.ceiling)
            level = allowed[lv_i % len(allowed)]
            post = PostFactory(
                community=community, author=users[a_i], classification=level, status=status
            )
            readers = {users[r] for r in reader_idx} if level == "strictly_confidential" else set()
            for reader in readers:
                grant_reader(post, reader)
            world.posts[post.pk] = (
                community.pk,
                level,
                status,
                users[a_i].pk,
                {r.pk for r in readers},
            )
            posts.append(post)

        comments = {}
        for p_i, a_i, status in spec["comments"]:
            post = posts[p_i % len(posts)]
            comment = Comment.objects.create(post=post, author=users[a_i], body="c", status=status)
            comments[comment.pk] = (post, users[a_i].pk, status)
        attachments = {}
        for p_i in spec["attachments"]:
            post = posts[p_i % len(posts)]
            attachment = PostAttachment.objects.create(
                post=post,
                file="attachments/x.pdf",
                filename="x.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_by=post.author,
            )
            attachments[attachment.pk] = post

        for user in users:
            listed = set(Comment.objects.visible_to(user).values_list("pk", flat=True))
            for pk, (post, author_id, status) in comments.items():

                def role_of(uid, community_id=post.community_id):
                    return world.roles.get((uid, community_id))

                expected = comment_visible(world, user.pk, post.pk, author_id, status, role_of)
                assert (pk in listed) == expected, (
                    "comment",
                    user.pk,
                    status,
                    world.posts[post.pk],
                )
                assert can_view(user, Comment.objects.get(pk=pk)) == expected
            listed = set(PostAttachment.objects.visible_to(user).values_list("pk", flat=True))
            for pk, post in attachments.items():
                expected = can_see(world, user.pk, post.pk)
                assert (pk in listed) == expected, ("attachment", user.pk, world.posts[post.pk])
                assert (
                    user.has_perm("posts.view_postattachment", PostAttachment.objects.get(pk=pk))
                    == expected
                )
