"""Random worlds for the audience-widening property tests (tests/access/test_widening_*.py).

A world is built in the database from a hypothesis-drawn spec: communities of every
visibility/ceiling; users (some superusers); user 0 an active owner of every community (the
actor of owners' writes); random roles for the others (some expired); posts and wiki pages of
every level and status by any author (members or not), with readers (members or not); and
comments of every status under the posts. ``audiences`` reads who sees what through the rule;
``oracle_world`` reads the same state into the plain oracle of tests/access/oracle.py.
"""
from datetime import timedelta

from django.utils import timezone
from guardian.shortcuts import assign_perm
from hypothesis import strategies as st

from communities.models import Membership, Role
from posts.models import Comment, Post, WikiPage
from tests.factories import CommunityFactory, PostFactory, UserFactory
from unisocial.classification import levels_up_to

from .oracle import World

VISIBILITY_CEILINGS = [
    ("open", "unclassified"),
    ("moderated", "confidential"),
    ("restricted", "confidential"),
    ("restricted", "strictly_confidential"),
]
ROLES = [None, "member", "moderator", "owner", "expired-member", "expired-owner"]
STATUSES = ["published", "pending", "hidden", "withdrawn", "quarantined"]

item = st.tuples(
    st.integers(0, 2),  # community index
    st.integers(0, 2),  # level index (mod the community's allowed levels)
    st.sampled_from(STATUSES),
    st.integers(0, 4),  # author index
    st.sets(st.integers(0, 4), max_size=3),  # reader indexes (strictly confidential only)
)
world_spec = st.fixed_dictionaries(
    {
        "communities": st.lists(st.sampled_from(VISIBILITY_CEILINGS), min_size=1, max_size=2),
        "superusers": st.lists(st.booleans(), min_size=3, max_size=5),
        "roles": st.lists(st.sampled_from(ROLES), min_size=10, max_size=10),
        "posts": st.lists(item, min_size=1, max_size=4),
        "wikis": st.lists(item, max_size=2),
        "comments": st.lists(st.tuples(st.integers(0, 3), st.sampled_from(STATUSES), st.integers(0, 4)),
                             max_size=4),
    }
)
MODELS = (Post, WikiPage, Comment)


def build(spec):
    now = timezone.now()
    communities = [CommunityFactory(visibility=v, ceiling=c) for v, c in spec["communities"]]
    users = [UserFactory(is_superuser=su, is_staff=su) for su in spec["superusers"]]
    for j, community in enumerate(communities):
        Membership.objects.create(user=users[0], content_object=community, role=Role.OWNER)
        for i, user in enumerate(users[1:], start=1):
            role = spec["roles"][(i * 2 + j) % len(spec["roles"])]
            if role:
                Membership.objects.create(
                    user=user, content_object=community, role=role.removeprefix("expired-"),
                    expires_at=now - timedelta(days=1) if role.startswith("expired-") else None,
                )

    def place(c_i, lv_i, a_i, reader_idx):
        community = communities[c_i % len(communities)]
        levels = levels_up_to(community.ceiling)
        level = levels[lv_i % len(levels)]
        readers = {users[r % len(users)] for r in reader_idx} if level == "strictly_confidential" else set()
        return community, level, users[a_i % len(users)], readers

    posts = []
    for c_i, lv_i, status, a_i, reader_idx in spec["posts"]:
        community, level, author, readers = place(c_i, lv_i, a_i, reader_idx)
        post = PostFactory(community=community, author=author, classification=level, status=status)
        for reader in readers:
            assign_perm("posts.read_post", reader, post)
        posts.append(post)
    for n, (c_i, lv_i, status, a_i, reader_idx) in enumerate(spec["wikis"]):
        community, level, author, readers = place(c_i, lv_i, a_i, reader_idx)
        page = WikiPage.objects.create(community=community, slug=f"page-{n}", title=f"Page {n}", body="<p>w</p>",
                                       classification=level, status=status, author=author)
        for reader in readers:
            assign_perm("posts.read_wikipage", reader, page)
    for p_i, status, a_i in spec["comments"]:
        Comment.objects.create(post=posts[p_i % len(posts)], author=users[a_i % len(users)], body="<p>c</p>",
                               status=status)
    return communities, users


def audiences(users) -> dict:
    """``{(model label, pk): {user pk, …}}``: who sees each item now, through the rule."""
    seen = {(m._meta.label_lower, pk): set() for m in MODELS for pk in m.objects.values_list("pk", flat=True)}
    for user in users:
        user.refresh_from_db()
        for model in MODELS:
            for pk in model.objects.visible_to(user).values_list("pk", flat=True):
                seen[(model._meta.label_lower, pk)].add(user.pk)
    return seen


def oracle_world(users) -> tuple[World, dict]:
    """The database's state read into the oracle; and each comment as the oracle takes it."""
    from communities.models import Community

    world = World(
        visibility=dict(Community.objects.values_list("pk", "visibility")),
        roles={(m.user_id, m.content_object_id): m.role for m in Membership.objects.active()},
        superusers={u.pk for u in users if u.is_superuser},
    )
    items = {}
    for model in (Post, WikiPage):
        for row in model.objects.all():
            key = (model._meta.label_lower, row.pk)
            items[key] = (row.community_id, row.classification, row.status, row.author_id,
                          set(row.reader_grants.values_list("user_id", flat=True)))
            if row.escalated_at is not None:
                world.escalated.add(key)
    world.posts = items
    comments = {
        ("posts.comment", c.pk): (("posts.post", c.post_id), c.status, c.author_id, c.escalated_at is not None)
        for c in Comment.objects.all()
    }
    return world, comments


def oracle_sees(world, comments, user_id, key) -> bool:
    from .oracle import can_see, can_see_comment

    if key[0] == "posts.comment":
        return can_see_comment(world, user_id, comments[key])
    return can_see(world, user_id, key)
