"""The filter, the per-object check and the reverse rule agree — with each other and with SPEC §2.2.

Hypothesis builds random worlds: communities of every visibility and ceiling,
users with random roles (some expired or removed, some superusers), posts of
every level and status (some escalated to management) by authors who may
have left, and readers (some of them not members, whose grant must not count).
"""
from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from communities.access import can_view, item_audience
from communities.models import Membership
from posts.models import Post
from tests.factories import CommunityFactory, PostFactory, UserFactory, grant_reader
from unisocial.classification import levels_up_to

from .oracle import World, can_see

VISIBILITY_CEILINGS = [
    ("open", "unclassified"),
    ("moderated", "unclassified"),
    ("moderated", "confidential"),
    ("restricted", "unclassified"),
    ("restricted", "confidential"),
    ("restricted", "strictly_confidential"),
]
# "expired-*": the membership ended yesterday; "removed": it was deleted (removal by an owner,
# leaving). Authors and readers draw these like anyone: an author who left must lose their items.
ROLES = [None, "member", "moderator", "owner", "expired-member", "expired-moderator", "expired-owner", "removed"]
STATUSES = ["published", "pending", "hidden", "withdrawn", "quarantined"]

world_spec = st.fixed_dictionaries(
    {
        "communities": st.lists(st.sampled_from(VISIBILITY_CEILINGS), min_size=1, max_size=3),
        "users": st.lists(st.booleans(), min_size=2, max_size=5),  # is_superuser
        "roles": st.lists(st.sampled_from(ROLES), min_size=15, max_size=15),
        "posts": st.lists(
            st.tuples(
                st.integers(0, 2),  # community index (mod n)
                st.integers(0, 2),  # level index (mod allowed levels)
                st.sampled_from(STATUSES),
                st.integers(0, 4),  # author index (mod n users)
                st.sets(st.integers(0, 4), max_size=3),  # reader indexes
                st.booleans(),  # escalated to management
            ),
            min_size=1,
            max_size=6,
        ),
    }
)


class RuleAgreementTests(TestCase):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec=world_spec)
    def test_filter_object_check_and_reverse_agree_with_the_spec_table(self, spec):
        now = timezone.now()
        communities = [
            CommunityFactory(visibility=vis, ceiling=ceil) for vis, ceil in spec["communities"]
        ]
        users = [UserFactory(is_superuser=su, is_staff=su) for su in spec["users"]]
        world = World(
            visibility={c.pk: c.visibility for c in communities},
            roles={},
            superusers={u.pk for u in users if u.is_superuser},
        )
        for i, user in enumerate(users):
            for j, community in enumerate(communities):
                role = spec["roles"][(i * 3 + j) % len(spec["roles"])]
                if role is None:
                    continue
                expired = role.startswith("expired-")
                membership = Membership.objects.create(
                    user=user,
                    content_object=community,
                    role="member" if role == "removed" else role.removeprefix("expired-"),
                    expires_at=now - timedelta(days=1) if expired else now + timedelta(days=30),
                )
                if role == "removed":
                    membership.delete()
                elif not expired:
                    world.roles[(user.pk, community.pk)] = role
        for c_i, lv_i, status, a_i, reader_idx, escalated in spec["posts"]:
            community = communities[c_i % len(communities)]
            allowed = levels_up_to(community.ceiling)
            level = allowed[lv_i % len(allowed)]
            author = users[a_i % len(users)]
            post = PostFactory(
                community=community,
                author=author,
                classification=level,
                status=status,
                escalated_at=now if escalated else None,
            )
            if escalated:
                world.escalated.add(post.pk)
            readers = {users[r % len(users)] for r in reader_idx} if level == "strictly_confidential" else set()
            for reader in readers:
                grant_reader(post, reader)
            world.posts[post.pk] = (community.pk, level, status, author.pk, {r.pk for r in readers})

        posts = list(Post.objects.all())
        for user in users:
            listed = set(Post.objects.visible_to(user).values_list("pk", flat=True))
            for post in posts:
                expected = can_see(world, user.pk, post.pk)
                assert (post.pk in listed) == expected, ("filter", user, post.pk, world.posts[post.pk])
                assert can_view(user, post) == expected, ("object check", user, post.pk)
                assert user.has_perm("posts.view_post", post) == expected, ("has_perm", user, post.pk)
        for post in posts:
            audience = set(item_audience(post).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
            expected = {u.pk for u in users if can_see(world, u.pk, post.pk)}
            assert audience == expected, ("users_who_can_view", post.pk, world.posts[post.pk])
