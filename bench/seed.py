"""Bulk seeder for the benchmarks (docs/performance.md): a deterministic world at scale.

    .venv/bin/python bench/seed.py --posts 1000000            # 20,000 users, 2,000 communities
    .venv/bin/python bench/seed.py --posts 100000 --reset     # drop the size's database first

Writes into its own database, ``unisocial_bench_<size>`` (``bench.common``), never
the demo or the test database. Rows go in with PostgreSQL ``COPY`` (psycopg2
``copy_expert``), with the content tables' secondary indexes dropped during the
load and rebuilt after it, foreign-key triggers off for the load
(``session_replication_role = replica``: the generator only writes ids it has
just written), then ``VACUUM ANALYZE``. No history rows are written for bench
content (simple-history's tables stay empty): nothing on the timed pages reads them.

The world (``random.Random(42)``):

* users, each with about 10 memberships; communities are picked with a
  long-tailed popularity, so a few have thousands of members and most have tens;
  ≥1 owner per community, ~7% moderators; each user follows 5 others;
* communities cycle through the five (visibility, ceiling) kinds of the demo;
* posts: community and author drawn from the memberships (busy communities get
  more posts), level within the ceiling (unclassified 6 : confidential 3 :
  strictly 1), 95% published, 2% pending, 2% hidden, 1% withdrawn; dates over
  two years; 3 granted readers (members, not the author) per strictly
  confidential post;
* bodies: sanitized paragraphs from the demo's sentence pool plus a line of
  words drawn from a synthetic 20,000-word vocabulary with a Zipf distribution,
  so search terms range from common to rare as in real text;
* likes on ~30% of posts, comments on ~15%, 3 wiki pages per community.
"""
from __future__ import annotations

import argparse
import io
import itertools
import random
import sys
import time
from bisect import bisect
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SEED = 42
# The bench's texts are English (SPEC §7: each item's language decides its search configuration).
ENGLISH = {"language": "en"}
VOCABULARY = 20_000
ZIPF_WORDS_PER_POST = 8
SYLLABLES = "ka lo mi ra ten sul vor dex pa ni zu bel qua ron fi gar hu mes tol av".split()


def vocabulary(n: int = VOCABULARY) -> list[str]:
    """``n`` distinct pseudo-words, most frequent first (deterministic)."""
    words = []
    for length in (2, 3, 4):
        for combo in itertools.product(SYLLABLES, repeat=length):
            words.append("".join(combo))
    random.Random(SEED).shuffle(words)
    return words[:n]


def zipf_cum_weights(n: int = VOCABULARY, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))


# --- COPY -----------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return (
        str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class Copier:
    """``COPY model (fields…) FROM STDIN`` in chunks; unnamed NOT NULL fields get their default once
    (or the value ``constants`` gives them)."""

    CHUNK = 50_000

    def __init__(self, cursor, model, fields, constants=None):
        from django.db import connection

        self.cursor = cursor
        self.table = model._meta.db_table
        names, self.constant = [], []
        given = set(fields)
        for field in model._meta.concrete_fields:
            if field.name in given or field.attname in given:
                continue
            if field.primary_key or field.null:
                continue
            value = (constants or {}).get(field.name, field.get_default())
            default = field.get_db_prep_save(value, connection)
            names.append(field.column)
            self.constant.append(_text(default))
        self.columns = [model._meta.get_field(f).column for f in fields] + names
        self.count = 0

    def write(self, rows) -> int:
        sql = f'COPY "{self.table}" ({", ".join(chr(34) + c + chr(34) for c in self.columns)}) FROM STDIN'
        tail = ("\t" + "\t".join(self.constant)) if self.constant else ""
        buf, n = [], 0
        for row in rows:
            buf.append("\t".join(_text(v) for v in row) + tail)
            n += 1
            if len(buf) >= self.CHUNK:
                self._flush(sql, buf)
                buf = []
        if buf:
            self._flush(sql, buf)
        self.count += n
        return n

    def _flush(self, sql, buf):
        self.cursor.copy_expert(sql, io.StringIO("\n".join(buf) + "\n"))


def secondary_indexes(cursor, table) -> list[tuple[str, str]]:
    """(name, CREATE statement) of ``table``'s indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = %s AND i.schemaname = current_schema()
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [table],
    )
    return cursor.fetchall()


# --- the world ------------------------------------------------------------------------------


class BenchSeeder:
    def __init__(self, *, n_users, n_communities, n_posts, out=sys.stdout):
        self.rng = random.Random(SEED)
        self.n_users, self.n_communities, self.n_posts = n_users, n_communities, n_posts
        self.out = out
        from django.utils import timezone

        self.now = timezone.now().replace(microsecond=0)

    def say(self, msg):
        print(f"  [{time.monotonic() - self.started:6.1f}s] {msg}", file=self.out, flush=True)

    def run(self):
        from django.db import connection, transaction

        from communities.models import Community, Membership
        from feed.models import Follow
        from posts.models import Comment, Like, Post, PostReader, WikiPage

        self.started = time.monotonic()
        heavy = [Post, PostReader, Like, Comment, Membership, Follow]
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            dropped = []
            for model in heavy:
                for name, create in secondary_indexes(cur, model._meta.db_table):
                    cur.execute(f'DROP INDEX "{name}"')
                    dropped.append(create)
            self.say(f"dropped {len(dropped)} secondary indexes")
            self.users(cur)
            self.communities(cur, Community)
            self.memberships(cur, Membership)
            self.follows(cur, Follow)
            self.posts(cur, Post, PostReader, Like, Comment)
            self.wiki(cur, WikiPage)
            for create in dropped:
                cur.execute(create)
            self.say(f"rebuilt {len(dropped)} indexes")
            for model in (self.User, Community, Post):
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )
            cur.execute(
                """UPDATE communities_community c SET last_activity_at = p.newest
                   FROM (SELECT community_id, MAX(created_at) AS newest FROM posts_post
                         WHERE status <> 'withdrawn' GROUP BY community_id) p
                   WHERE p.community_id = c.id"""
            )
        connection.ensure_connection()
        old_autocommit = connection.get_autocommit()
        connection.set_autocommit(True)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        connection.set_autocommit(old_autocommit)
        self.say("VACUUM ANALYZE done")
        return time.monotonic() - self.started

    # -- users -------------------------------------------------------------------------
    def users(self, cur):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from unisocial.management.commands._demo_data import FIRST_NAMES, LAST_NAMES
        from unisocial.models import TermsAcceptance, TermsVersion

        self.User = get_user_model()
        password = make_password("unisocial-bench")
        joined = self.now - timedelta(days=800)
        rng = self.rng

        def rows():
            for uid in range(1, self.n_users + 1):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                yield (uid, f"bench{uid:06d}", first.title(), last.title(),
                       f"bench{uid:06d}@unisocial.example.org", password, joined, True)

        Copier(cur, self.User, ["id", "username", "first_name", "last_name", "email", "password",
                                "date_joined", "is_active"]).write(rows())
        terms = TermsVersion.current()
        if terms is not None:
            Copier(cur, TermsAcceptance, ["user_id", "terms_id", "accepted_at"]).write(
                (uid, terms.pk, joined) for uid in range(1, self.n_users + 1)
            )
        self.say(f"{self.n_users} users")

    # -- communities -------------------------------------------------------------------
    def communities(self, cur, Community):
        from unisocial.management.commands._demo_data import (
            DUTY_STATIONS,
            GENERATED_KINDS,
            GENERATED_TOPICS,
            GUIDELINES,
        )

        self.kind = {}
        self.topic = {}
        rows = []
        for cid in range(1, self.n_communities + 1):
            topic = GENERATED_TOPICS[cid % len(GENERATED_TOPICS)]
            station = DUTY_STATIONS[cid % len(DUTY_STATIONS)]
            visibility, ceiling = GENERATED_KINDS[cid % len(GENERATED_KINDS)]
            self.kind[cid] = (visibility, ceiling)
            self.topic[cid] = topic.lower()
            rows.append((cid, f"{topic} — {station} #{cid}", f"bench-{cid:05d}",
                         f"Bench community {cid} on {topic}.", f"Share practice on {topic}.",
                         visibility, ceiling, GUIDELINES, self.now - timedelta(days=790),
                         self.now - timedelta(days=790)))
        Copier(cur, Community, ["id", "name", "slug", "description", "purpose", "visibility",
                                "ceiling", "guidelines", "created_at", "last_activity_at"]).write(rows)
        self.say(f"{self.n_communities} communities")

    # -- memberships and follows -------------------------------------------------------
    def memberships(self, cur, Membership):
        from communities.models import Role, role_permission

        rng = self.rng
        ids = list(range(1, self.n_communities + 1))
        rng.shuffle(ids)  # popularity is not tied to the id
        cum = list(itertools.accumulate(1.0 / (rank + 20) ** 0.9 for rank in range(len(ids))))
        per_user = min(10, self.n_communities)
        self.members: dict[int, list[int]] = {cid: [] for cid in ids}
        self.roles: dict[tuple[int, int], str] = {}
        for uid in range(1, self.n_users + 1):
            chosen = set()
            while len(chosen) < per_user:
                chosen.add(ids[bisect(cum, rng.random() * cum[-1])])
            for cid in chosen:
                self.members[cid].append(uid)
                r = rng.random()
                self.roles[uid, cid] = Role.OWNER if r < 0.01 else Role.MODERATOR if r < 0.08 else Role.MEMBER
        for cid, uids in self.members.items():
            if not uids:
                uid = rng.randint(1, self.n_users)
                uids.append(uid)
            if not any(self.roles.get((u, cid)) == Role.OWNER for u in uids):
                self.roles[uids[0], cid] = Role.OWNER
        perm = {role: role_permission(role).pk for role in Role.values}
        created = self.now - timedelta(days=780)
        Copier(cur, Membership, ["user_id", "content_object_id", "role", "permission_id", "created_at"]).write(
            (uid, cid, role, perm[role], created) for (uid, cid), role in self.roles.items()
        )
        self.say(f"{len(self.roles)} memberships")

    def follows(self, cur, Follow):
        rng = self.rng

        def rows():
            for uid in range(1, self.n_users + 1):
                for other in {rng.randint(1, self.n_users) for _ in range(5)} - {uid}:
                    yield (uid, other, self.now - timedelta(days=30))

        n = Copier(cur, Follow, ["follower_id", "followed_id", "created_at"]).write(rows())
        self.say(f"{n} follows")

    # -- posts and what hangs off them -------------------------------------------------
    def posts(self, cur, Post, PostReader, Like, Comment):
        from django.contrib.auth.models import Permission

        from unisocial.classification import Level, levels_up_to
        from unisocial.management.commands._demo_data import (
            DUTY_STATIONS,
            LEVEL_WEIGHTS,
            MONTHS,
            SENTENCES,
            STATUS_CHOICES,
            TITLE_PATTERNS,
        )
        from unisocial.sanitize import render

        rng = self.rng
        words = vocabulary()
        cum = zipf_cum_weights(len(words))
        pool = []
        for _ in range(300):
            paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(2, 4))) for _ in range(rng.randint(1, 3))]
            pool.append(render("".join(f"<p>{p}</p>" for p in paragraphs), "html"))
        memberships = list(self.roles)  # (uid, cid): a post's author and community in one draw
        allowed = {}
        for cid, (_visibility, ceiling) in self.kind.items():
            levels = levels_up_to(ceiling)
            allowed[cid] = (levels, list(itertools.accumulate(LEVEL_WEIGHTS[lv] for lv in levels)))
        read_post = Permission.objects.get(content_type__app_label="posts", codename="read_post").pk
        span = 730 * 24 * 3600
        readers, likes, comments = [], [], []

        def zipf_line(k):
            return " ".join(words[bisect(cum, rng.random() * cum[-1])] for _ in range(k))

        def rows():
            for pid in range(1, self.n_posts + 1):
                uid, cid = memberships[rng.randrange(len(memberships))]
                levels, lcum = allowed[cid]
                level = levels[bisect(lcum, rng.random() * lcum[-1])]
                status = STATUS_CHOICES[rng.randrange(len(STATUS_CHOICES))]
                created = self.now - timedelta(seconds=rng.randrange(60, span))
                title = rng.choice(TITLE_PATTERNS).format(
                    topic=self.topic[cid], place=rng.choice(DUTY_STATIONS), month=rng.choice(MONTHS),
                    n=rng.randint(2, 9),
                )
                title = f"{title[0].upper()}{title[1:]} ({zipf_line(1)})"
                body = pool[rng.randrange(len(pool))] + f"<p>Keywords: {zipf_line(ZIPF_WORDS_PER_POST)}.</p>"
                members = self.members[cid]
                if level == Level.STRICTLY_CONFIDENTIAL and len(members) > 1:
                    others = [m for m in rng.sample(members, min(4, len(members))) if m != uid][:3]
                    readers.extend((pid, m, read_post) for m in others)
                r = rng.random()
                if r < 0.30:
                    for liker in {rng.choice(members) for _ in range(rng.randint(1, 3))}:
                        likes.append((pid, liker, created))
                if r < 0.15:
                    for k in range(rng.randint(1, 2)):
                        comments.append((pid, rng.choice(members),
                                         f"<p>Thanks, noted for {self.topic[cid]}: {zipf_line(4)}.</p>",
                                         "published", created + timedelta(hours=k + 1)))
                yield (pid, cid, uid, title, body, body, "html", level, status, created, created)

        n = Copier(cur, Post, ["id", "community_id", "author_id", "title", "body", "body_source",
                               "body_format", "classification", "status", "created_at", "updated_at"],
                   constants=ENGLISH).write(rows())
        self.say(f"{n} posts")
        Copier(cur, PostReader, ["content_object_id", "user_id", "permission_id"]).write(readers)
        self.say(f"{len(readers)} reader grants")
        Copier(cur, Like, ["post_id", "user_id", "created_at"]).write(likes)
        self.say(f"{len(likes)} likes")
        Copier(cur, Comment, ["post_id", "author_id", "body", "status", "created_at", "updated_at"],
               constants=ENGLISH).write(
            (p, a, b, s, c, c) for p, a, b, s, c in comments
        )
        self.say(f"{len(comments)} comments")

    def wiki(self, cur, WikiPage):
        from unisocial.classification import Level

        rows = []
        for cid, (_visibility, ceiling) in self.kind.items():
            for k in range(1, 4):
                level = ceiling if k == 3 else Level.UNCLASSIFIED
                author = self.members[cid][0]
                rows.append((cid, f"page-{k}", f"{self.topic[cid].title()} handbook part {k}",
                             f"<p>Practice notes {k} on {self.topic[cid]}.</p>", level, "published",
                             author, self.now - timedelta(days=100), self.now - timedelta(days=100)))
        n = Copier(cur, WikiPage, ["community_id", "slug", "title", "body", "classification", "status",
                                   "author_id", "created_at", "updated_at"], constants=ENGLISH).write(rows)
        self.say(f"{n} wiki pages")


def drop_database(n_posts: int) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg2

    parts = urlsplit(common.SERVER_URL)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{common.database_name(n_posts)}" WITH (FORCE)')
    conn.close()


def seed(n_posts: int, *, n_users=20_000, n_communities=2_000, reset=False, out=sys.stdout) -> bool:
    """Create and fill the size's database unless it already holds posts; True if it seeded.

    Expects ``common.setup_django(n_posts)`` not to have run yet when ``reset`` is set.
    """
    if reset:
        drop_database(n_posts)
    common.ensure_database(n_posts)
    common.setup_django(n_posts)
    from django.core.management import call_command

    from posts.models import Post

    call_command("migrate", verbosity=0, interactive=False)
    if Post.objects.exists():
        print(f"{common.database_name(n_posts)} already holds posts; not seeding.", file=out)
        return False
    print(f"Seeding {common.database_name(n_posts)}: {n_posts} posts, {n_communities} communities, "
          f"{n_users} users", file=out, flush=True)
    took = BenchSeeder(n_users=n_users, n_communities=n_communities, n_posts=n_posts, out=out).run()
    # COPY bypasses the execute wrapper: counts cached before (a shared cache) are not of these rows.
    from notifications.unread import bump_all

    bump_all()
    print(f"Seeded in {took:.0f}s.", file=out)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--communities", type=int, default=2_000)
    parser.add_argument("--reset", action="store_true", help="drop the size's database first")
    args = parser.parse_args(argv)
    seed(args.posts, n_users=args.users, n_communities=args.communities, reset=args.reset)


if __name__ == "__main__":
    main()
