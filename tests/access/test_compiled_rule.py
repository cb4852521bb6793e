"""The rule's SQL compiled once (``communities.access.CompiledRule``, the feed API's page) selects
exactly the rows of Django's own compiled rule (``visible_to``), on random worlds, users and times.

Hypothesis builds communities of every visibility and ceiling, users (some superusers) with
memberships of every role that end at random moments around the times asked, some removed,
posts and wiki pages of every level and status (some escalated) with granted readers; and then
asks, at several moments, for the rows each user may see through both paths. The compiled SQL is
cached per process, so every example after the first reuses it — for other users, other times,
another superuser flag. A membership revoked or ending between two requests of the same process
ends access through the cached SQL at once (``test_revoked_and_expired_between_two_requests``).
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import TestCase as DjangoTestCase
from django.utils import timezone
from guardian.shortcuts import assign_perm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from rest_framework.test import APIClient

from communities import access
from communities.access import CompiledRule, can_view, visible_q
from communities.models import Membership
from feed import search as search_module
from feed.selectors import feed_candidates, feed_for
from posts.models import Comment, Post, WikiPage
from tests.factories import CommunityFactory, PostFactory, UserFactory
from unisocial.classification import levels_up_to

VISIBILITY_CEILINGS = [
    ("open", "unclassified"),
    ("moderated", "confidential"),
    ("restricted", "unclassified"),
    ("restricted", "strictly_confidential"),
]
ROLES = ["member", "moderator", "owner"]
STATUSES = ["published", "pending", "hidden", "withdrawn", "quarantined"]
# A membership's end relative to the base moment, in hours (None: no end; "removed": deleted).
ENDS = [None, None, -48, -1, 1, 48, "removed"]
# The moments asked, in hours from the base moment: before and after some of the ends.
MOMENTS = st.lists(st.sampled_from([-72, -2, 0, 2, 72]), min_size=1, max_size=3, unique=True)

item_spec = st.tuples(
    st.integers(0, 2),  # community index (mod n)
    st.integers(0, 2),  # level index (mod allowed levels)
    st.sampled_from(STATUSES),
    st.integers(0, 4),  # author index (mod n users)
    st.sets(st.integers(0, 4), max_size=2),  # reader indexes
    st.booleans(),  # escalated to management
)
world_spec = st.fixed_dictionaries(
    {
        "communities": st.lists(st.sampled_from(VISIBILITY_CEILINGS), min_size=1, max_size=3),
        "users": st.lists(st.booleans(), min_size=2, max_size=4),  # is_superuser
        "memberships": st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 2), st.sampled_from(ROLES), st.sampled_from(ENDS)),
            max_size=8,
        ),
        "posts": st.lists(item_spec, min_size=1, max_size=6),
        "wiki": st.lists(item_spec, max_size=3),
        "moments": MOMENTS,
    }
)


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def _build(spec, base):
    communities = [CommunityFactory(visibility=v, ceiling=c) for v, c in spec["communities"]]
    users = [UserFactory(is_superuser=su, is_staff=su) for su in spec["users"]]
    seen = set()
    for u_i, c_i, role, end in spec["memberships"]:
        user, community = users[u_i % len(users)], communities[c_i % len(communities)]
        if (user.pk, community.pk) in seen:
            continue
        seen.add((user.pk, community.pk))
        membership = Membership.objects.create(
            user=user,
            content_object=community,
            role=role,
            expires_at=base + timedelta(hours=end) if isinstance(end, int) else None,
        )
        if end == "removed":
            membership.delete()
    for n, (c_i, lv_i, status, a_i, readers, escalated) in enumerate(spec["posts"] + spec["wiki"]):
        community = communities[c_i % len(communities)]
        level = levels_up_to(community.ceiling)[lv_i % len(levels_up_to(community.ceiling))]
        author = users[a_i % len(users)]
        if n < len(spec["posts"]):
            item = PostFactory(
                community=community,
                author=author,
                classification=level,
                status=status,
                escalated_at=base if escalated else None,
            )
            perm = "posts.read_post"
        else:
            item = WikiPage.objects.create(
                community=community,
                author=author,
                title=f"Page {n}",
                slug=f"p-{n}",
                classification=level,
                status=status,
                escalated_at=base if escalated else None,
            )
            perm = "posts.read_wikipage"
        for r_i in readers:
            assign_perm(perm, users[r_i % len(users)], item)
    return users


class CompiledRuleAgreementTests(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=world_spec)
    def test_the_compiled_rule_selects_what_the_rule_selects(self, spec):
        base = timezone.now()
        users = _build(spec, base)
        for user in users:
            for hours in spec["moments"]:
                at = base + timedelta(hours=hours)
                for model in (Post, WikiPage):
                    compiled = _ids(model.objects.filter(CompiledRule(model, user, at)))
                    django = _ids(model.objects.filter(visible_q(model, user, at)))
                    assert compiled == django, (model.__name__, user.is_superuser, hours, compiled, django)
            # Now: the queryset method, the per-object check and the feed's own query.
            for model in (Post, WikiPage):
                compiled = _ids(model.objects.visible_to_compiled(user))
                assert compiled == _ids(model.objects.visible_to(user))
                for item in model.objects.all():
                    assert can_view(user, item) == (item.pk in compiled), (model.__name__, item.pk)
            # The feed API's own query (counts, order, both scopes) through both paths.
            for scope in ("mine", "open"):
                compiled = [
                    (p.pk, p.comment_count, p.like_count)
                    for p in feed_candidates(user, scope=scope).visible_to_compiled(user)
                ]
                django = [
                    (p.pk, p.comment_count, p.like_count) for p in feed_candidates(user, scope=scope).visible_to(user)
                ]
                assert compiled == django, (scope, compiled, django)
                assert [p.pk for p in feed_for(user, scope=scope)] == [pk for pk, _c, _l in django]
            # Search's posts and wiki pages (filters only: every visible row of the kind, newest first).
            for kind in ("post", "wiki"):
                found = {}
                for on in (True, False):
                    search_module.COMPILED_RULE = on
                    try:
                        page = search_module.search(user, {"q": "", "type": kind}, size=50)
                    finally:
                        search_module.COMPILED_RULE = True
                    found[on] = [(r.type, r.id) for r in page.results]
                assert found[True] == found[False], (kind, found)
                model = Post if kind == "post" else WikiPage
                assert {pk for _t, pk in found[True]} == _ids(model.objects.visible_to(user))


class CompiledRuleTests(DjangoTestCase):
    def setUp(self):
        self.community = CommunityFactory(visibility="restricted", ceiling="confidential")
        self.owner, self.reader = UserFactory(), UserFactory()
        Membership.objects.create(user=self.owner, content_object=self.community, role="owner")
        self.post = PostFactory(community=self.community, author=self.owner, classification="confidential")

    def _feed(self, client):
        response = client.get("/api/v1/feed/")
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    def test_revoked_and_expired_between_two_requests(self):
        client = APIClient()
        client.force_authenticate(self.reader)
        membership = Membership.objects.create(user=self.reader, content_object=self.community, role="member")
        assert self._feed(client) == [self.post.pk]
        assert (Post._meta.label_lower, False, connection.vendor) in access._compiled_rules  # cached now
        membership.delete()  # revoked: gone on the next request, through the same cached SQL
        assert self._feed(client) == []
        assert _ids(Post.objects.visible_to_compiled(self.reader)) == set()
        assert _ids(Post.objects.visible_to(self.reader)) == set()
        membership = Membership.objects.create(user=self.reader, content_object=self.community, role="member")
        assert self._feed(client) == [self.post.pk]
        Membership.objects.filter(pk=membership.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        assert self._feed(client) == []  # expired between the two requests
        assert not can_view(self.reader, self.post)
        Membership.objects.filter(pk=membership.pk).update(expires_at=timezone.now() + timedelta(hours=1))
        assert self._feed(client) == [self.post.pk]
        later = timezone.now() + timedelta(hours=2)  # and at a moment after its end, not before
        assert _ids(Post.objects.filter(CompiledRule(Post, self.reader, later))) == set()
        assert _ids(Post.objects.filter(visible_q(Post, self.reader, later))) == set()

    def test_the_feed_api_shows_what_the_rule_shows(self):
        client = APIClient()
        client.force_authenticate(self.owner)
        assert self._feed(client) == [self.post.pk]
        assert [p.pk for p in feed_for(self.owner)] == [self.post.pk]

    def test_refused_where_the_table_is_not_the_outer_query(self):
        # In a subquery Django renames the table (U0): the fragment's table name would reach the
        # outer row. It raises instead of answering.
        inner = Post.objects.filter(CompiledRule(Post, self.owner)).filter(pk=OuterRef("post_id"))
        with self.assertRaises(ValueError):
            list(Comment.objects.filter(Exists(inner)))
        with self.assertRaises(ValueError):  # nor on another model's query
            list(Comment.objects.filter(CompiledRule(Post, self.owner)))

    def test_anonymous_and_inheriting_models_take_the_plain_rule(self):
        from django.contrib.auth.models import AnonymousUser

        assert not Post.objects.visible_to_compiled(AnonymousUser()).exists()
        assert _ids(Comment.objects.visible_to_compiled(self.owner)) == _ids(Comment.objects.visible_to(self.owner))
