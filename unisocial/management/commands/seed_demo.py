"""``seed_demo``: deterministic demo data (SPEC "Management commands").

Builds a small world a reviewer can log into at once — named demo users with
known roles, communities of every visibility and ceiling (one archived), posts
at every allowed level, strictly confidential posts with granted readers — and
scales to benchmark sizes (``--posts 1000000``) with ``bulk_create`` in
batches: no per-row ``save()`` on the large tables.

Everything comes from ``random.Random(42)``: two runs with the same sizes give
the same users, communities and titles. The command refuses to write into a
database that already holds data unless told ``--reset`` (delete users and
content, then seed) or ``--keep-existing`` (leave the data alone; ``make run``
uses it so that a second run does not fail).
"""

from __future__ import annotations

import contextlib
import random
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from communities.models import Community, JoinRequest, Membership, Role, role_permission
from posts.models import Post, PostReader
from unisocial.classification import Level, Status, levels_up_to, rank
from unisocial.models import RECORDS_OFFICERS_GROUP, TermsAcceptance, TermsVersion
from unisocial.sanitize import render

from ._demo_data import (
    COMMENTS,
    DUTY_STATIONS,
    FIRST_NAMES,
    GENERATED_KINDS,
    GENERATED_TOPICS,
    GUIDELINES,
    LAST_NAMES,
    LEVEL_WEIGHTS,
    MONTHS,
    NAMED_COMMUNITIES,
    NAMED_ROLES,
    NAMED_USERS,
    REPLIES,
    SC,
    SENTENCES,
    SHOWCASE_POSTS,
    STATUS_CHOICES,
    TERMS_PENDING,
    TITLE_PATTERNS,
    WIKI_PAGES,
)

DEMO_PASSWORD = "unisocial-demo"
SEED = 42
BATCH_SIZE = 5_000
# Apps whose rows --reset deletes (with every row that points at a user).
CONTENT_APPS = ("communities", "posts", "moderation", "records")


class Command(BaseCommand):
    help = "Seed deterministic demo data: users, communities, memberships, posts and reader grants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--users", type=int, default=30, help="total users, demo users included"
        )
        parser.add_argument("--communities", type=int, default=8)
        parser.add_argument("--posts", type=int, default=200)
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset", action="store_true", help="delete all users and content first, then seed"
        )
        group.add_argument(
            "--keep-existing",
            action="store_true",
            help="if the database already holds data, leave it and only print the demo users",
        )

    def handle(self, *args, users, communities, posts, reset, keep_existing, **options):
        if min(users, communities, posts) < 0:
            raise CommandError("Sizes must be zero or more.")
        users = max(users, len(NAMED_USERS))
        communities = max(communities, 1)
        has_data = get_user_model().objects.exists() or Community.objects.exists()
        if has_data and keep_existing:
            self.stdout.write("The database already holds data; seeding skipped.")
            self.print_demo_users()
            return
        if has_data and not reset:
            raise CommandError(
                "The database already holds users or communities. "
                "Run with --reset to delete them and seed again, or --keep-existing to leave them."
            )
        started = time.monotonic()
        with transaction.atomic():
            if reset:
                self.reset()
            counts = Seeder(random.Random(SEED), self.stdout).run(
                n_users=users, n_communities=communities, n_posts=posts
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Seeded {users} users, {communities} communities, {memberships} memberships, "
                "{posts} posts, {readers} reader grants, {comments} comments, {likes} recommendations, "
                "{wiki_pages} wiki pages".format(**counts)
                + f" in {time.monotonic() - started:.1f}s."
            )
        )
        self.print_demo_users()

    def reset(self):
        """Delete every user and all content, leaving terms versions, groups and schedules.

        Rows are deleted per table without cascading in Python (fast at any
        size); the database checks the deferred foreign keys at commit, so the
        order does not matter as long as every referencing table is included.
        On PostgreSQL one TRUNCATE empties them all: the append-only tables'
        triggers refuse row deletes (``unisocial.db``), not an emptied database.
        """
        User = get_user_model()
        targets = {
            m
            for m in apps.get_models(include_auto_created=True)
            if m._meta.app_label in CONTENT_APPS
        }
        targets |= {User, TermsAcceptance}
        for field in User._meta.get_fields(include_hidden=True):
            if field.is_relation and (field.one_to_many or field.one_to_one) and field.auto_created:
                targets.add(field.related_model)
        for field in User._meta.many_to_many:
            targets.add(field.remote_field.through)
        if connection.vendor == "postgresql":
            tables = sorted({connection.ops.quote_name(m._meta.db_table) for m in targets})
            with connection.cursor() as cursor:
                # Deferred foreign-key checks pending in this transaction would block the TRUNCATE: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(tables)}")  # table names from the models
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for model in targets:
                qs = model._base_manager.all()
                qs._raw_delete(qs.db)
        self.stdout.write(f"Reset: cleared {len(targets)} tables.")

    def print_demo_users(self):
        rows = [("username", "role", "password")]
        rows += [(u, what, DEMO_PASSWORD) for u, _, _, what in NAMED_USERS]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write("\nDemo users (log in at http://127.0.0.1:8000/accounts/login/):")
        self.stdout.write(line)
        for i, row in enumerate(rows):
            cells = " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(f"| {cells} |")
            if i == 0:
                self.stdout.write(line)
        self.stdout.write(line)
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}\n")


def one_action():
    """One write, as one request would make it: under the test settings' N+1 detector
    (django-zeal) a scope of its own, so that writing many comments is not an "N+1"."""
    if apps.is_installed("zeal"):
        from zeal import zeal_context

        return zeal_context()
    return contextlib.nullcontext()


class Seeder:
    """Builds the demo world. Every random choice comes from ``rng``, in a fixed order."""

    def __init__(self, rng: random.Random, stdout):
        self.rng = rng
        self.stdout = stdout
        self.now = timezone.now().replace(microsecond=0)

    def run(self, *, n_users, n_communities, n_posts) -> dict:
        self.users = self.create_users(n_users)
        self.communities = self.create_communities(n_communities)
        self.members = self.create_memberships()
        n_readers = self.create_posts(n_posts)
        self.create_join_requests()
        activity = self.create_activity()
        return {
            "users": len(self.users),
            "communities": len(self.communities),
            "memberships": sum(len(m) for m in self.members.values()),
            "posts": n_posts,
            "readers": n_readers,
            **activity,
        }

    # -- users -----------------------------------------------------------------
    def create_users(self, n):
        User = get_user_model()
        password = make_password(DEMO_PASSWORD)  # hashed once, shared: a demo, not production
        joined = self.now - timedelta(days=800)
        users = []
        for username, first, last, _ in NAMED_USERS:
            users.append(
                User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@unisocial.example.org",
                    password=password,
                    is_staff=username == "admin",
                    is_superuser=username == "admin",
                    date_joined=joined,
                )
            )
        taken = {u.username for u in users}
        for _ in range(n - len(users)):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            username, k = f"{first}.{last}", 1
            while username in taken:
                k += 1
                username = f"{first}.{last}{k}"
            taken.add(username)
            users.append(
                User(
                    username=username,
                    first_name=first.title(),
                    last_name=last.title(),
                    email=f"{username}@unisocial.example.org",
                    password=password,
                    date_joined=joined,
                )
            )
        users = User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        self.by_name = {u.username: u for u in users}
        terms = TermsVersion.current()
        if terms is not None:
            TermsAcceptance.objects.bulk_create(
                [TermsAcceptance(user=u, terms=terms) for u in users if u.username not in TERMS_PENDING],
                batch_size=BATCH_SIZE,
            )
        officers, _ = Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)
        self.by_name["erin"].groups.add(officers)
        return users

    # -- communities -----------------------------------------------------------
    def create_communities(self, n):
        specs = list(NAMED_COMMUNITIES[:n])
        for i in range(n - len(specs)):
            topic = GENERATED_TOPICS[i % len(GENERATED_TOPICS)]
            station = DUTY_STATIONS[(i // len(GENERATED_TOPICS)) % len(DUTY_STATIONS)]
            rnd = i // (len(GENERATED_TOPICS) * len(DUTY_STATIONS))
            name = f"{topic} — {station}" + (f" ({rnd + 1})" if rnd else "")
            slug = f"{topic}-{station}".lower().replace(" ", "-") + (f"-{rnd + 1}" if rnd else "")
            visibility, ceiling = GENERATED_KINDS[i % len(GENERATED_KINDS)]
            specs.append(
                (
                    name,
                    slug,
                    visibility,
                    ceiling,
                    False,
                    False,
                    [topic.lower(), "work planning", "handover notes", "staffing"],
                )
            )
        alice = self.by_name["alice"]
        objs, self.topics = [], {}
        for name, slug, visibility, ceiling, archived, premoderation, topics in specs:
            objs.append(
                Community(
                    name=name,
                    slug=slug,
                    description=f"A community of practice on {', '.join(topics[:3])}.",
                    purpose=f"Share practice and documents on {topics[0]} across duty stations.",
                    objectives=(
                        f"Fewer duplicated efforts on {topics[1]}; a shared library of practice."
                    ),
                    intended_audience="Staff on these topics at Headquarters and in the field.",
                    risk_assessment=(
                        f"Content up to {Level(ceiling).label}. Owners review membership "
                        "quarterly; members are reminded to classify every post."
                    ),
                    visibility=visibility,
                    ceiling=ceiling,
                    guidelines=GUIDELINES,
                    premoderation=premoderation,
                    is_archived=archived,
                    archived_at=self.now - timedelta(days=200) if archived else None,
                    created_by=alice,
                    created_at=self.now - timedelta(days=790),
                )
            )
        created = Community.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        for community, spec in zip(created, specs, strict=True):
            self.topics[community.pk] = spec[6]
        return created

    # -- memberships -----------------------------------------------------------
    def create_memberships(self):
        """Every community gets ≥1 owner; the demo users get their showcase roles."""
        generated = [u for u in self.users if u.username not in {n[0] for n in NAMED_USERS}]
        members: dict[int, dict[int, str]] = {c.pk: {} for c in self.communities}
        for c in self.communities:
            for username, role in NAMED_ROLES.get(c.slug, {}).items():
                members[c.pk][self.by_name[username].pk] = role
        for c in self.communities:
            if Role.OWNER not in members[c.pk].values():
                owner = self.rng.choice(generated) if generated else self.by_name["alice"]
                members[c.pk][owner.pk] = Role.OWNER
        for user in generated:
            for c in self.rng.sample(
                self.communities, self.rng.randint(1, min(4, len(self.communities)))
            ):
                if user.pk not in members[c.pk]:
                    members[c.pk][user.pk] = (
                        Role.MODERATOR if self.rng.random() < 0.08 else Role.MEMBER
                    )
        # A consultant whose membership ends in five days: the daily job warns the owners.
        consultant = None
        for c in self.communities:
            if c.slug == "peacekeeping-logistics":
                candidates = [
                    uid
                    for uid, role in members[c.pk].items()
                    if role == Role.MEMBER
                    and uid not in {self.by_name[n].pk for n, *_ in NAMED_USERS}
                ]
                consultant = (c.pk, candidates[0]) if candidates else None
        # bulk_create skips Membership.save(), which sets the guardian permission from the role.
        perms = {role: role_permission(role) for role in Role.values}
        rows = []
        for c in self.communities:
            for uid, role in members[c.pk].items():
                rows.append(
                    Membership(
                        content_object_id=c.pk,
                        user_id=uid,
                        role=role,
                        permission=perms[role],
                        created_at=c.created_at,
                        expires_at=self.now + timedelta(days=5)
                        if consultant == (c.pk, uid)
                        else None,
                    )
                )
        Membership.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return members

    # -- posts -----------------------------------------------------------------
    def showcase_posts(self):
        """Fixed posts that show the access rule with the demo users."""
        by_slug = {c.slug: c for c in self.communities}
        return [
            (
                by_slug[slug],
                self.by_name[author],
                title,
                level,
                status,
                [self.by_name[r] for r in readers],
            )
            for slug, author, title, level, status, readers in SHOWCASE_POSTS
            if slug in by_slug
        ]

    def create_posts(self, n) -> int:
        rng = self.rng
        # (source, sanitized HTML): rendered once through the one sanitizer, as a save would.
        bodies = [(src, render(src, "html")) for src in (self.make_body() for _ in range(200))]
        member_ids = {pk: list(m) for pk, m in self.members.items()}
        named_ids = {self.by_name[name].pk for name, *_ in NAMED_USERS}
        owner_of = {pk: next(uid for uid, role in m.items() if role == Role.OWNER) for pk, m in self.members.items()}
        levels = {c.pk: levels_up_to(c.ceiling) for c in self.communities}
        history = getattr(Post, "history", None)
        grants: list[tuple[int, int]] = []  # (post id, user id)
        last_activity: dict[int, object] = {}
        showcase = self.showcase_posts()[:n]
        made = 0
        while made < n:
            batch, batch_readers = [], []
            for _ in range(min(BATCH_SIZE, n - made)):
                if made < len(showcase):
                    community, author, title, level, status, readers = showcase[made]
                    author_id, reader_ids, age = author.pk, [r.pk for r in readers], made
                else:
                    community = rng.choice(self.communities)
                    ids = member_ids[community.pk]
                    author_id = rng.choice(ids)
                    allowed = levels[community.pk]
                    level = rng.choices(allowed, weights=[LEVEL_WEIGHTS[lv] for lv in allowed])[0]
                    status = rng.choice(STATUS_CHOICES)
                    title = self.make_title(community.pk)
                    reader_ids = []
                    if level == SC:
                        # The demo users see the strictly confidential posts README says they see
                        # (the showcase ones): generated ones are by and for generated people.
                        others = [i for i in ids if i not in named_ids]
                        if author_id in named_ids:
                            author_id = rng.choice(others) if others else owner_of[community.pk]
                        others = [i for i in others if i != author_id]
                        # Readers are members of the community, never the author (SPEC §2.3).
                        k = rng.randint(0, min(3, len(others)))
                        reader_ids = rng.sample(others, k)
                    age = rng.randint(60, 720 * 24 * 3600)
                created_at = self.now - timedelta(seconds=age)
                if community.is_archived:
                    created_at = min(
                        created_at, community.archived_at - timedelta(seconds=age % 86400 + 60)
                    )
                if status != Status.WITHDRAWN:
                    last_activity[community.pk] = max(
                        last_activity.get(community.pk, created_at), created_at
                    )
                body_source, body = rng.choice(bodies)
                post = Post(
                    community_id=community.pk,
                    author_id=author_id,
                    title=title,
                    body=body,
                    body_source=body_source,
                    body_format="html",
                    classification=level,
                    status=status,
                    created_at=created_at,
                    language=settings.LANGUAGE_CODE,  # the demo's texts are English; bulk_create skips save()
                )
                if history is not None:
                    post._history_user = get_user_model()(pk=author_id)
                    post._history_date = created_at
                batch.append(post)
                batch_readers.append(reader_ids)
                made += 1
            Post.objects.bulk_create(batch)
            if history is not None:
                history.bulk_history_create(batch, batch_size=BATCH_SIZE)
            for post, reader_ids in zip(batch, batch_readers, strict=True):
                grants.extend((post.pk, uid) for uid in reader_ids)
            if settings.DEBUG:
                # With DEBUG on, Django keeps every query's SQL; at this size that is gigabytes.
                reset_queries()
            self.stdout.write(f"  posts: {made}/{n}", ending="\r" if made < n else "\n")
        self.grant_readers(grants)
        for c in self.communities:
            c.last_activity_at = last_activity.get(c.pk, c.created_at)
        Community.objects.bulk_update(self.communities, ["last_activity_at"], batch_size=BATCH_SIZE)
        return len(grants)

    def grant_readers(self, grants):
        """Reader grants as guardian direct-FK rows, in bulk (one INSERT per batch).

        The same rows ``assign_perm("posts.read_post", user, post)`` writes, without
        its per-grant ``get_or_create`` (an N+1 the test suite's detector rejects).
        """
        from django.contrib.auth.models import Permission

        read_post = Permission.objects.get(content_type__app_label="posts", codename="read_post")
        PostReader.objects.bulk_create(
            (PostReader(content_object_id=p, user_id=u, permission=read_post) for p, u in grants),
            batch_size=BATCH_SIZE,
        )

    def make_title(self, community_pk):
        rng = self.rng
        title = rng.choice(TITLE_PATTERNS).format(
            topic=rng.choice(self.topics[community_pk]),
            place=rng.choice(DUTY_STATIONS),
            month=rng.choice(MONTHS),
            n=rng.randint(2, 9),
        )
        return title[0].upper() + title[1:]

    def make_body(self):
        rng = self.rng
        paragraphs = [
            " ".join(rng.sample(SENTENCES, rng.randint(2, 4))) for _ in range(rng.randint(1, 3))
        ]
        return "".join(f"<p>{p}</p>" for p in paragraphs)

    # -- the life of the communities ---------------------------------------------
    ACTIVE_POSTS = 4  # per community, the newest published ones people react to

    def create_activity(self) -> dict:
        """Comments (with replies and a mention), recommendations and wiki pages in every
        community that is not archived, written through the services, as people would write
        them: the rules (membership, levels, readers), revisions and notifications apply."""
        from posts import services  # the roof composes every app

        rng = self.rng
        users = {u.pk: u for u in self.users}
        counts = {"comments": 0, "likes": 0, "wiki_pages": 0}
        for community in self.communities:
            if community.is_archived:
                continue
            roles = self.members[community.pk]
            owner = users[next(uid for uid, role in roles.items() if role == Role.OWNER)]
            people = [users[uid] for uid in sorted(roles) if users[uid].username not in TERMS_PENDING]
            for title, body, wanted in WIKI_PAGES:
                if rank(wanted) > rank(community.ceiling):
                    continue
                with one_action():
                    services.wiki_create(
                        actor=owner, community=community, title=title, body=body, body_format="markdown",
                        classification=wanted,
                    )
                counts["wiki_pages"] += 1
            newest = (
                Post.objects.visible_to(owner)
                .filter(community=community, status=Status.PUBLISHED)
                .exclude(classification=Level.STRICTLY_CONFIDENTIAL)  # members comment on what all see
                .select_related("community", "author")
                .order_by("-created_at", "-id")[: self.ACTIVE_POSTS]
            )
            for post in newest:
                others = [p for p in people if p.pk != post.author_id]
                for fan in rng.sample(others, min(len(others), rng.randint(1, 4))):
                    with one_action():
                        services.post_like(actor=fan, post=post)
                    counts["likes"] += 1
                commenters = rng.sample(others, min(len(others), 2))
                for i, person in enumerate(commenters):
                    text = rng.choice(COMMENTS).format(place=rng.choice(DUTY_STATIONS))
                    with one_action():
                        comment, _warnings = services.comment_create(actor=person, post=post, body=text)
                    counts["comments"] += 1
                    if i == 0 and post.author.username not in TERMS_PENDING:
                        reply = rng.choice(REPLIES).format(name=person.username)
                        with one_action():
                            services.comment_create(actor=post.author, post=post, body=reply, parent=comment)
                        counts["comments"] += 1
        counts["comments"] += self.discuss_showcase(services)
        return counts

    def discuss_showcase(self, services) -> int:
        """The named reader of the strictly confidential "Draft findings" asks, its author answers:
        a thread only the post's audience sees."""
        findings = next((p for p in self.showcase_posts() if p[3] == SC and p[5]), None)
        if findings is None:
            return 0
        community, author, title, *_ = findings
        post = Post.objects.visible_to(author).filter(community=community, title=title).first()
        reader = findings[5][0]
        with one_action():
            question, _ = services.comment_create(
                actor=reader, post=post, body="Could we see the contract annexes before the exit meeting?"
            )
        with one_action():
            services.comment_create(
                actor=author, post=post, parent=question, body=f"Yes, @{reader.username}: they are in the case file."
            )
        return 2

    # -- join requests ---------------------------------------------------------
    def create_join_requests(self):
        dave = self.by_name["dave"]
        for c in self.communities:
            if c.slug == "peacekeeping-logistics":
                JoinRequest.objects.create(
                    community=c,
                    user=dave,
                    message="I am joining the logistics section in Entebbe next month.",
                )
