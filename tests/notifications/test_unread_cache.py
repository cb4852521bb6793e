"""The unread count from the cache (notifications/unread.py) is the exact count, always.

* Random worlds and random sequences of every kind of change that can move the count: after
  each step, every reader's cached count equals the count computed fresh by the access rule.
* Revocation: a member removed (through the service, and through a request) sees at once a
  count without the community's items; so does an expired membership, when its time comes.
* Uncommitted and rolled-back changes never reach the cache.
* A page served from the cache issues fewer queries, and as many with 1 or 30 notifications.
* The tables watched are those the count's SQL reads.

These tests commit (``transaction=True``): the cache's versions move after COMMIT, as in
production; inside a test's never-committed transaction the count is exact but never cached.
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from communities import services as community_services
from communities.models import Membership, Role
from feed import selectors as feed_selectors
from notifications import services, unread
from notifications.models import Notification
from notifications.selectors import exact_unread_count, visible_notifications
from notifications.unread import unread_count
from posts.models import Comment, Post, WikiPage
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import MAX_CEILING, Level, Status, Visibility, levels_up_to

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()

LEVELS = [Level.UNCLASSIFIED, Level.CONFIDENTIAL, Level.STRICTLY_CONFIDENTIAL]
STATUSES = [Status.PUBLISHED, Status.PENDING, Status.HIDDEN, Status.WITHDRAWN, "quarantined"]
ROLES = [Role.MEMBER, Role.MODERATOR, Role.OWNER]
VISIBILITIES = [Visibility.OPEN, Visibility.MODERATED, Visibility.RESTRICTED]


def cached(user) -> tuple[int, bool]:
    """(the navigation's count, whether it came from the cache: no query at all)."""
    fresh = User.objects.get(pk=user.pk)  # as the request's user: loaded anew
    with CaptureQueriesContext(connection) as ctx:
        n = unread_count(fresh)
    return n, len(ctx.captured_queries) == 0


def exact(user) -> int:
    return exact_unread_count(User.objects.get(pk=user.pk))


class RandomWorld:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.users = [UserFactory() for _ in range(4)]
        self.communities = [
            CommunityFactory(visibility=v) for v in VISIBILITIES
        ]
        for user in self.users:
            for community in self.communities:
                if rng.random() < 0.6:
                    add_member(community, user, role=rng.choice(ROLES))
        for _ in range(5):
            self.new_post()
        for _ in range(4):
            self.new_comment()
        for _ in range(2):
            self.new_wiki()
        for _ in range(12):
            self.notify_attributed()

    # --- things -------------------------------------------------------------------------
    def pick(self, seq):
        return self.rng.choice(list(seq)) if seq else None

    def new_post(self):
        return PostFactory(
            community=self.pick(self.communities), author=self.pick(self.users),
            classification=self.pick(LEVELS), status=self.rng.choice([Status.PUBLISHED] * 3 + STATUSES),
        )

    def new_comment(self):
        post = self.pick(Post.objects.all())
        if post:
            Comment.objects.create(post=post, author=self.pick(self.users), body="<p>c</p>",
                                   status=self.rng.choice([Status.PUBLISHED] * 3 + STATUSES))

    def new_wiki(self):
        WikiPage.objects.create(
            community=self.pick(self.communities), author=self.pick(self.users), title="Page",
            slug=f"page-{self.rng.randrange(10**9)}", classification=self.pick(LEVELS),
            status=self.rng.choice([Status.PUBLISHED, Status.PENDING]),
        )

    def target(self):
        kind = self.rng.choice(["post", "post", "comment", "wiki", ""])
        model = {"post": Post, "comment": Comment, "wiki": WikiPage}.get(kind)
        obj = self.pick(model.objects.all()) if model else None
        if obj is None:
            return None, None
        return (kind, obj.pk), getattr(obj, "community", None) or obj.post.community

    # --- changes, one of each kind the count depends on ------------------------------------
    def notify_attributed(self):
        target, community = self.target()
        recipients = self.rng.sample(self.users, self.rng.randint(1, 3))
        services.notify(recipients, kind=Notification.Kind.MENTION, event="mention", target=target,
                        community=community)

    def notify_unattributed(self):  # a row written past the services: the epoch moves
        target, community = self.target()
        Notification.objects.create(
            recipient=self.pick(self.users), kind=Notification.Kind.COMMENT, event="comment",
            target_type=target[0] if target else "", target_id=target[1] if target else None,
            community=community,
        )

    def mark_read(self):
        n = self.pick(Notification.objects.filter(read_at__isnull=True))
        if n:
            services.notification_mark_read(actor=n.recipient, notification=n)

    def mark_all_read(self):
        services.notification_mark_all_read(actor=self.pick(self.users))

    def join(self):
        user, community = self.pick(self.users), self.pick(self.communities)
        Membership.objects.get_or_create(user=user, content_object=community,
                                         defaults={"role": self.pick(ROLES)})

    def remove(self):
        m = self.pick(Membership.objects.all())
        if m:
            m.delete() if self.rng.random() < 0.5 else Membership.objects.filter(pk=m.pk).delete()

    def change_role(self):
        m = self.pick(Membership.objects.all())
        if m:
            Membership.objects.filter(pk=m.pk).update(role=self.pick(ROLES))

    def expire(self):
        m = self.pick(Membership.objects.all())
        if m:
            past = timezone.now() - timedelta(days=1)
            Membership.objects.filter(pk=m.pk).update(expires_at=self.rng.choice([past, None]))

    def item_status(self):
        model = self.pick([Post, Comment, WikiPage])
        obj = self.pick(model.objects.all())
        if obj:
            obj.status = self.pick(STATUSES)
            obj.save(update_fields=["status"])

    def item_level(self):
        model = self.pick([Post, WikiPage])
        obj = self.pick(model.objects.all())
        if obj:
            model.objects.filter(pk=obj.pk).update(classification=self.pick(LEVELS))

    def escalate(self):
        post = self.pick(Post.objects.all())
        if post:
            Post.objects.filter(pk=post.pk).update(escalated_at=self.rng.choice([timezone.now(), None]))

    def reader(self):
        user = self.pick(self.users)
        if self.rng.random() < 0.5:
            obj, perm = self.pick(Post.objects.all()), "posts.read_post"
        else:
            obj, perm = self.pick(WikiPage.objects.all()), "posts.read_wikipage"
        if obj:
            (assign_perm if self.rng.random() < 0.6 else remove_perm)(perm, user, obj)

    def community(self):
        community = type(self.communities[0]).objects.get(pk=self.pick(self.communities).pk)
        field = self.rng.choice(["visibility", "ceiling", "is_archived", "quarantined_at"])
        visibility = self.pick(VISIBILITIES)
        fields = {
            "visibility": {"visibility": visibility, "ceiling": MAX_CEILING[visibility]},
            "ceiling": {"ceiling": self.pick(levels_up_to(MAX_CEILING[community.visibility]))},
            "is_archived": {"is_archived": self.rng.random() < 0.5},
            "quarantined_at": {"quarantined_at": self.rng.choice([timezone.now(), None])},
        }[field]
        type(community).objects.filter(pk=community.pk).update(**fields)

    def delete_item(self):
        model = self.pick([Post, Comment, WikiPage])
        obj = self.pick(model.objects.all())
        if obj:
            obj.delete()

    def restore(self):  # a records restore / moderator's re-publication
        obj = self.pick(Post.objects.exclude(status=Status.PUBLISHED))
        if obj:
            Post.objects.filter(pk=obj.pk).update(status=Status.PUBLISHED)

    def superuser(self):
        user = self.pick(self.users)
        User.objects.filter(pk=user.pk).update(is_superuser=self.rng.random() < 0.5)

    def new_item(self):
        self.rng.choice([self.new_post, self.new_comment, self.new_wiki])()

    def in_a_transaction(self):  # several changes committed together
        with transaction.atomic():
            for _ in range(3):
                self.step(nested=True)

    def rolled_back(self):  # a change that never commits, read from inside its transaction
        class Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                self.step(nested=True)
                for user in self.users:
                    assert unread_count(User.objects.get(pk=user.pk)) == exact(user)
                raise Rollback
        except Rollback:
            pass

    CHANGES = [
        "notify_attributed", "notify_unattributed", "mark_read", "mark_all_read", "join", "remove",
        "change_role", "expire", "item_status", "item_level", "escalate", "reader", "community",
        "delete_item", "restore", "superuser", "new_item", "in_a_transaction", "rolled_back",
    ]

    def step(self, nested=False):
        changes = self.CHANGES if not nested else self.CHANGES[:-2]
        name = self.rng.choice(changes)
        getattr(self, name)()
        return name


@pytest.mark.parametrize("seed", range(8))
def test_cached_count_equals_the_exact_count_after_every_change(seed):
    rng = random.Random(seed)
    world = RandomWorld(rng)
    hits = 0
    for user in world.users:
        cached(user)
    for i in range(60):
        change = world.step()
        for user in world.users:
            n, hit = cached(user)
            assert n == exact(user), (seed, i, change, user.pk)
            # Asked again with nothing changed: from the cache, and still exact.
            again, hit_again = cached(user)
            assert again == n and hit_again, (seed, i, change, user.pk)
            hits += hit
    # The cache served counts across changes that do not concern a reader (new items, others'
    # notifications): it is not merely recomputed every time.
    assert hits > 0


def _moderated_world():
    owner, member = UserFactory(), UserFactory()
    community = CommunityFactory(visibility=Visibility.RESTRICTED, ceiling=Level.STRICTLY_CONFIDENTIAL)
    add_member(community, owner, role=Role.OWNER)
    add_member(community, member)
    elsewhere = CommunityFactory(visibility=Visibility.OPEN)
    add_member(elsewhere, member)
    inside = [PostFactory(community=community, author=owner, classification=Level.CONFIDENTIAL) for _ in range(3)]
    outside = PostFactory(community=elsewhere, author=owner)
    for post in [*inside, outside]:
        services.notify([member], kind=Notification.Kind.MENTION, event="mention", target=("post", post.pk),
                        community=post.community)
    return owner, member, community


def test_a_removed_member_s_next_count_has_none_of_the_community_s_items():
    owner, member, community = _moderated_world()
    assert cached(member) == (4, False)
    assert cached(member) == (4, True)  # cached

    community_services.member_remove(actor=owner, community=community, user=member)

    # The post elsewhere, and the news of the removal itself (no item); none of the three inside.
    assert cached(member) == (2, False)
    assert exact(member) == 2
    assert not visible_notifications(member).filter(target_type="post", community=community).exists()


def test_a_removed_member_s_next_page_shows_the_count_without_the_community(client):
    owner, member, community = _moderated_world()
    client.force_login(member)
    assert client.get("/").context["unread_notifications"]() == 4
    assert client.get("/").context["unread_notifications"]() == 4  # from the cache now

    community_services.member_remove(actor=owner, community=community, user=member)

    assert client.get("/").context["unread_notifications"]() == 2 == exact(member)  # news of the removal


def test_an_expiring_membership_is_not_served_from_the_cache_past_its_end():
    owner, member, community = _moderated_world()
    Membership.objects.filter(user=member, content_object=community).update(
        expires_at=timezone.now() + timedelta(seconds=1)
    )
    assert cached(member) == (4, False)
    assert cached(member) == (4, True)
    time.sleep(1.1)  # no event at all: only the clock passes the membership's end
    assert cached(member) == (1, False)
    assert exact(member) == 1


def test_an_uncommitted_change_is_neither_read_from_nor_written_to_the_cache():
    owner, member, community = _moderated_world()
    assert cached(member)[0] == 4
    with transaction.atomic():
        add_member(CommunityFactory(), UserFactory())  # any watched write: a move is pending
        Membership.objects.filter(user=member, content_object=community).delete()
        assert unread.has_pending_change()
        assert cached(member) == (1, False)  # its own change, counted exactly, not cached
        transaction.set_rollback(True)
    # Rolled back: the count cached before it is right again, and nothing of it stayed.
    assert cached(member) == (4, True)
    assert exact(member) == 4


def test_emailed_at_alone_moves_nothing_and_reading_one_moves_only_its_reader():
    owner, member, community = _moderated_world()
    cached(owner), cached(member)
    Notification.objects.filter(recipient=member).update(emailed_at=timezone.now())
    assert cached(member) == (4, True) and cached(owner)[1]
    n = Notification.objects.filter(recipient=member).first()
    services.notification_mark_read(actor=member, notification=n)
    assert cached(member) == (3, False)
    assert cached(owner)[1]  # the owner's count was not touched


def test_the_watched_tables_are_those_the_count_reads():
    tables, item_tables, notification_table = unread.watched_tables()
    member = UserFactory()
    with CaptureQueriesContext(connection) as ctx:
        exact_unread_count(member)
    sql = ctx.captured_queries[-1]["sql"]
    for model in (Post, Comment, WikiPage, Membership, Notification, type(CommunityFactory.build())):
        assert model._meta.db_table in sql
        assert model._meta.db_table in tables
    assert item_tables <= tables and notification_table in tables
    # Anything not a plain read nor a parsable write moves the epoch.
    assert unread._effect('TRUNCATE "communities_membership"') == "epoch"
    assert unread._effect('UPDATE "unisocial_user" SET "last_login" = %s') is None
    assert unread._effect('INSERT INTO "posts_post" ("title") VALUES (%s)') is None
    assert unread._effect('INSERT INTO "posts_postreader" ("user_id") VALUES (%s)') == "epoch"
    # A compound read (Django writes a UNION as "(SELECT …) UNION (SELECT …)") moves nothing: the
    # home feed runs one on every page, and it must not empty everyone's cached count.
    assert unread._effect('(SELECT "c" FROM "communities_membership") UNION (SELECT "u" FROM "feed_follow")') is None


def test_a_compound_select_is_a_read_and_loading_the_feed_moves_nothing():
    """``(SELECT …) UNION ALL (SELECT …)`` opens with a parenthesis; it is a read all the same:
    the feed's sources are one, and a feed load must not end every cached count."""
    assert unread._effect('(SELECT "a" FROM "communities_membership") UNION ALL (SELECT "b" FROM "x")') is None
    assert unread._effect("((SELECT 1)) UNION (VALUES (2))") is None
    member = UserFactory()
    community = CommunityFactory()
    add_member(community, member)
    with CaptureQueriesContext(connection) as ctx:
        assert len(feed_selectors._my_sources(member)[0]) == 1
    assert ctx.captured_queries and all(unread._effect(q["sql"]) is None for q in ctx.captured_queries)


def test_no_page_of_a_reader_moves_the_versions(client):
    """Reading moves nothing: a page whose own queries moved the access epoch would make every
    cached count stale at once, for everyone (the home page's ``(SELECT …) UNION (SELECT …)`` did;
    the rolled-back test transaction never ran the move, only real processes showed it)."""
    owner, member, community = _moderated_world()
    client.force_login(member)
    post = Post.objects.filter(community=community).first()
    for path in ("/", "/", f"/posts/{post.pk}/", "/notifications/", f"/communities/{community.slug}/"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        moving = [q["sql"][:120] for q in ctx.captured_queries if unread._effect(q["sql"]) is not None]
        assert not moving, (path, moving)
    assert unread._effect('(SELECT %s AS "kind" FROM "communities_membership") UNION (SELECT %s)') is None
    assert unread._effect('( ( SELECT 1 ) )') is None


def _home_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a_cached_page_issues_fewer_queries_and_as_many_for_any_number_of_notifications(
    client, django_assert_max_num_queries
):
    owner, member, community = _moderated_world()
    client.force_login(member)
    first = _home_queries(client)
    second = _home_queries(client)
    assert second < first
    post = Post.objects.filter(community=community).first()
    services.notify([member], kind=Notification.Kind.MENTION, event="mention", target=("post", post.pk),
                    community=community)
    for _ in range(25):
        services.notify([member], kind=Notification.Kind.MENTION, event="mention", target=("post", post.pk),
                        community=community)
    client.get("/")  # the first page after them computes the count
    with django_assert_max_num_queries(second):
        response = client.get("/")
    assert response.context["unread_notifications"]() == 30


def test_another_person_s_home_page_leaves_my_count_cached(client):
    """The home feed's sources query is a UNION (on PostgreSQL "(SELECT …) UNION ALL (SELECT …)"):
    a read, which must not move the epoch, or every feed page anyone loads empties every count."""
    owner, member, community = _moderated_world()
    assert cached(member) == (4, False)
    client.force_login(owner)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/feed/").status_code == 200
    assert cached(member) == (4, True)


def test_an_update_of_columns_the_count_never_reads_moves_nothing():
    assert "last_activity_at" not in unread.read_columns() and "status" in unread.read_columns()
    where = ' WHERE "t"."id" = %s'
    assert unread._effect('UPDATE "communities_community" SET "last_activity_at" = %s' + where) is None
    assert unread._effect('UPDATE "posts_post" SET "updated_at" = %s, "title" = %s' + where) is None
    assert unread._effect('UPDATE "posts_post" SET "updated_at" = %s, "status" = %s' + where) == "epoch"
    assert unread._effect('UPDATE "posts_post" SET "title" = COALESCE(%s, "status"), "status" = %s' + where) == "epoch"
    assert unread._effect('UPDATE "communities_membership" SET "role" = %s' + where) == "epoch"
    # Not Django's shape: counted as a change.
    assert unread._effect("UPDATE \"posts_post\" SET \"title\" = 'x'" + where) == "epoch"
    # A new post in a community whose members' counts are cached: their counts stay cached.
    owner, member, community = _moderated_world()
    assert cached(member) == (4, False)
    PostFactory(community=community, author=owner)
    Post.objects.filter(community=community).update(title="renamed")
    assert cached(member) == (4, True)


def test_with_redis_the_versions_and_counts_are_shared_and_exact(settings):
    """The production cache (REDIS_URL): the same moves through Django's RedisCache.
    Its ``clear()`` empties the whole Redis database of REDIS_URL: give tests their own."""
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: no Redis to share the cache through")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": "test-unread"}}
    from django.core.cache import cache

    cache.clear()
    owner, member, community = _moderated_world()
    assert cached(member) == (4, False)
    assert cached(member) == (4, True)
    community_services.member_remove(actor=owner, community=community, user=member)
    assert cached(member) == (2, False) and exact(member) == 2
    cache.clear()  # a restarted cache: versions created afresh, the count recomputed
    assert cached(member) == (2, False)
