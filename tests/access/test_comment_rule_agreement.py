"""``visible_in_visible_parent_q`` (the comments' own part of the rule, for a post already known
to be visible: the feed's comment counts) selects exactly what ``Comment.objects.visible_to``
selects under every visible post — on random worlds of roles, levels, statuses, authors,
superusers and escalations, for posts and comments alike; and the whole rule for comments is the
spec's (tests/access/oracle.py), authors who left C and expired memberships included.

The post and wiki pages read a visible item's comments and attachments the same way
(``posts.selectors._under_visible``): their lists, a linked comment's page and the 404 of
``access_comment`` / ``access_wiki_attachment`` are checked against the whole rule too."""
from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from communities.access import visible_in_visible_parent_q
from communities.models import Membership
from feed.selectors import feed_for
from posts import selectors
from posts.models import Comment, Post, PostAttachment, WikiAttachment, WikiPage
from tests.factories import CommunityFactory, PostFactory, UserFactory
from unisocial.classification import levels_up_to

from .oracle import World, can_see_comment

STATUSES = ["published", "pending", "hidden", "withdrawn", "quarantined"]
ROLES = [None, "member", "moderator", "owner", "expired-owner", "expired-member", "removed"]

world_spec = st.fixed_dictionaries(
    {
        "communities": st.lists(
            st.sampled_from([("open", "unclassified"), ("moderated", "confidential"),
                             ("restricted", "strictly_confidential")]),
            min_size=1, max_size=2,
        ),
        "users": st.lists(st.booleans(), min_size=2, max_size=4),  # is_superuser
        "roles": st.lists(st.sampled_from(ROLES), min_size=8, max_size=8),
        "posts": st.lists(
            st.tuples(st.integers(0, 1), st.integers(0, 2), st.sampled_from(STATUSES), st.integers(0, 3),
                      st.booleans()),
            min_size=1, max_size=4,
        ),
        "comments": st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(STATUSES), st.integers(0, 3), st.booleans()),
            min_size=1, max_size=8,
        ),
        # (community, level, status, author) of wiki pages, one attachment each
        "wiki": st.lists(
            st.tuples(st.integers(0, 1), st.integers(0, 2), st.sampled_from(STATUSES), st.integers(0, 3)),
            max_size=2,
        ),
        "replies": st.lists(st.tuples(st.integers(0, 7), st.sampled_from(STATUSES)), max_size=4),
    }
)


class CommentRuleAgreementTests(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=world_spec)
    def test_own_part_under_a_visible_post_equals_the_whole_rule(self, spec):
        now = timezone.now()
        communities = [CommunityFactory(visibility=v, ceiling=c) for v, c in spec["communities"]]
        users = [UserFactory(is_superuser=su, is_staff=su) for su in spec["users"]]
        world = World(
            visibility={c.pk: c.visibility for c in communities},
            roles={},
            superusers={u.pk for u in users if u.is_superuser},
        )
        for i, user in enumerate(users):
            for j, community in enumerate(communities):
                role = spec["roles"][(i * 2 + j) % len(spec["roles"])]
                if role:
                    membership = Membership.objects.create(
                        user=user, content_object=community,
                        role="member" if role == "removed" else role.removeprefix("expired-"),
                        expires_at=now - timedelta(days=1) if role.startswith("expired-") else None,
                    )
                    if role == "removed":
                        membership.delete()
                    elif not role.startswith("expired-"):
                        world.roles[(user.pk, community.pk)] = role
        posts = []
        for c_i, lv_i, status, a_i, escalated in spec["posts"]:
            community = communities[c_i % len(communities)]
            levels = levels_up_to(community.ceiling)
            post = PostFactory(
                community=community, author=users[a_i % len(users)], classification=levels[lv_i % len(levels)],
                status=status, escalated_at=now if escalated else None,
            )
            posts.append(post)
            world.posts[post.pk] = (community.pk, post.classification, status, post.author_id, set())
            if escalated:
                world.escalated.add(post.pk)
        comments = {}
        for p_i, status, a_i, escalated in spec["comments"]:
            comment = Comment.objects.create(
                post=posts[p_i % len(posts)], author=users[a_i % len(users)], body="<p>c</p>", status=status,
                escalated_at=now if escalated else None,
            )
            comments[comment.pk] = (comment.post_id, status, comment.author_id, escalated)
        roots = list(Comment.objects.order_by("pk"))
        for r_i, status in spec["replies"]:
            parent = roots[r_i % len(roots)]
            reply = Comment.objects.create(
                post=parent.post, parent=parent, author=users[r_i % len(users)], body="<p>r</p>", status=status
            )
            comments[reply.pk] = (reply.post_id, status, reply.author_id, False)
        for post in posts:
            PostAttachment.objects.create(
                post=post, file="a/x.txt", filename="x.txt", content_type="text/plain", size=1, sha256="0" * 64,
                uploaded_by=post.author,
            )
        for n, (c_i, lv_i, status, a_i) in enumerate(spec["wiki"]):
            community = communities[c_i % len(communities)]
            levels = levels_up_to(community.ceiling)
            page = WikiPage.objects.create(
                community=community, author=users[a_i % len(users)], title=f"Page {n}", slug=f"page-{n}",
                classification=levels[lv_i % len(levels)], status=status,
            )
            WikiAttachment.objects.create(
                page=page, file="a/w.txt", filename="w.txt", content_type="text/plain", size=1, sha256="0" * 64,
                uploaded_by=page.author,
            )

        # The whole rule is the spec's (its post's audience, then the comment's own status).
        for user in users:
            listed = set(Comment.objects.visible_to(user).values_list("pk", flat=True))
            expected = {pk for pk, c in comments.items() if can_see_comment(world, user.pk, c)}
            assert listed == expected, (user.pk, user.is_superuser, listed, expected)

        for user in users:
            for post in Post.objects.visible_to(user):
                whole = set(Comment.objects.visible_to(user).filter(post=post).values_list("pk", flat=True))
                own = set(
                    Comment.objects.filter(post=post).filter(visible_in_visible_parent_q(Comment, user))
                    .values_list("pk", flat=True)
                )
                assert own == whole, (user.pk, user.is_superuser, post.pk, post.status, own, whole)
                # The post page's reads under the visible post: the same rows as the whole rule.
                _page, threads = selectors.post_comments(user, post, per_page=1000)
                shown = {c.pk for c, replies in threads} | {r.pk for _c, replies in threads for r in replies}
                assert shown == whole, (user.pk, post.pk, shown, whole)
                for pk in comments:
                    try:
                        found = selectors.access_comment(user, post, pk).pk == pk
                    except Http404:
                        found = False
                    assert found == (pk in whole), (user.pk, post.pk, pk)
                    if pk in whole:  # a link to a visible comment opens page 1 of a one-page thread list
                        linked, _t = selectors.post_comments(user, post, comment=pk, per_page=1000)
                        assert linked.number == 1
                attached = {a.pk for a in selectors.post_attachments(user, post)}
                assert attached == set(
                    PostAttachment.objects.visible_to(user).filter(post=post).values_list("pk", flat=True)
                ) == set(post.attachments.values_list("pk", flat=True))
            for page in WikiPage.objects.visible_to(user):
                whole = set(WikiAttachment.objects.visible_to(user).filter(page=page).values_list("pk", flat=True))
                assert whole and {a.pk for a in selectors.wiki_attachments(user, page)} == whole
                for attachment in WikiAttachment.objects.all():
                    try:
                        found = selectors.access_wiki_attachment(user, page, attachment.pk).pk == attachment.pk
                    except Http404:
                        found = False
                    assert found == (attachment.pk in whole), (user.pk, page.pk, attachment.pk)
            # And the feed's counts are those of the whole rule.
            counted = {p.pk: p.comment_count for p in feed_for(user)}
            for pk, n in counted.items():
                assert n == Comment.objects.visible_to(user).filter(post_id=pk).count(), (user.pk, pk)
