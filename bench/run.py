"""Timing of the hot pages at scale (docs/performance.md); what ``make bench`` runs.

    .venv/bin/python bench/run.py                               # 10k and 100k posts
    .venv/bin/python bench/run.py --sizes 10000,100000,1000000  # and 1M
    .venv/bin/python bench/run.py --sizes 1000000 --requests 100
    .venv/bin/python bench/run.py --sizes 10000,100000,1000000 --runs 3 --json /tmp/bench.json

For each size it seeds ``unisocial_bench_<size>`` if that database is empty
(``bench/seed.py``), then, in a child process pointed at that database, times
with Django's in-process test ``Client`` (the whole request: middleware,
session, view, template or serializer) over ``--requests`` requests per row,
round-robin over ``--users`` users with different memberships:

* feed API (``/api/v1/feed/``), home page (``/``), community page (a community
  of the user's), post page (a post from the user's feed), search page and API
  (a term from the synthetic vocabulary, mixed frequencies);
* the busiest community's front page (most posts; its members): page 1, and page 31
  reached by following its ``rel="next"`` link 30 times (``?cursor=`` keyset links; the
  same code follows ``?page=`` links of an offset paginator, for a before/after);
* the search API restricted to comments (``type=comment``);
* feed API page 51 (the ``next`` link followed 50 times) next to page 1;
* the SQL of the feed's first page (``feed.selectors.feed_for``), executed
  directly: with the access rule, without it (``feed_candidates``: the same
  query minus ``visible_to``), and with django-guardian's stock
  ``get_objects_for_user(user, "posts.view_post", klass=<the same candidates>)``
  over generic object permissions granted for exactly the posts the rule shows
  (guardian's documented default; the direct-FK tables cannot express the rule).

Prints one table per size (median and p95 in ms, the target, met or not).
Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


DEFAULT_SIZES = "10000,100000"
GUARDIAN_USERS = 8
SQL_REPEATS = 5
# (label, key, target ms on p95 at 1M or None, how the target reads)
ROWS = [
    ("feed API, page 1", "feed_api", 25),
    ("feed API, page 51", "feed_api_p51", None),
    ("home page", "home", 40),
    ("home page, cache empty (unread count computed)", "home_cold", None),
    ("community page", "community", None),
    ("busiest community, page 1", "community_busy", 60),
    ("busiest community, page 31 (Older × 30)", "community_busy_deep", 60),
    ("post page", "post", None),
    ("search page", "search_page", 60),
    ("search API", "search_api", 60),
    ("search API, comments only", "search_api_comments", None),
    ("SQL feed page 1, access rule", "sql_visible", None),
    ("SQL feed page 1, no filter", "sql_unfiltered", None),
    ("SQL feed page 1, guardian get_objects_for_user", "sql_guardian", None),
]


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(samples_s):
    ms = [s * 1000 for s in samples_s]
    return {"median": statistics.median(ms), "p95": percentile(ms, 95), "n": len(ms)}


# --- the child: one size ------------------------------------------------------------------


MINIMAL = "/bench/minimal/"
NEXT_LINK = __import__("re").compile(r'<a href="([^"]+)" rel="next"')


def busiest_community():
    """The community with the most posts, and up to 10 of its active members."""
    from django.db.models import Count

    from communities.models import Community, Membership

    top = Community.objects.annotate(n=Count("posts")).order_by("-n").values_list("pk", "n").first()
    community = Community.objects.get(pk=top[0])
    members = [
        m.user
        for m in Membership.objects.active()
        .filter(content_object=community)
        .select_related("user")
        .order_by("user_id")[:10]
    ]
    return community, top[1], members


def measure(n_posts: int, n_requests: int, n_users: int, only=None) -> dict:
    from bench.seed import seed

    seed(n_posts, out=sys.stderr)  # sets Django up on the size's database
    from django.contrib.auth import get_user_model
    from django.test.utils import override_settings

    # The site's URLs plus the ceiling view (bench/load/urls.py; never in unisocial.urls).
    override_settings(ROOT_URLCONF="bench.load.urls").enable()
    from django.db import connection
    from django.test import Client

    from communities.models import Membership
    from feed import selectors as feed

    User = get_user_model()
    # Every k-th bench user: memberships drawn at random, so their feeds differ in size and mix.
    everyone = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    users = everyone[:: max(1, len(everyone) // n_users)][:n_users]
    clients = {}
    for user in users:
        client = Client()
        client.force_login(user)
        clients[user.pk] = client
    mine = {
        u.pk: list(Membership.objects.filter(user=u).select_related("content_object").order_by("-content_object_id"))
        for u in users
    }

    began = time.monotonic()

    def log(msg):
        print(f"  [{time.monotonic() - began:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def timed(make_url, n=n_requests, expect=200, before_each=None):
        """``n`` requests of the page, each right after a request of the minimal view for the
        same user (``/bench/minimal/``: the whole middleware stack, no view work), so that every
        row carries the ceiling measured in the same seconds on the same (possibly shared) host."""
        # Warm-up: one request per user (the steady state: each reader's unread count cached, as
        # after their first page; the "first page of the day" row measures the cold count).
        for i in range(len(users)):
            user = users[i]
            clients[user.pk].get(make_url(user, i))
        samples, minimal = [], []
        load_before = os.getloadavg()[0]
        for i in range(n):
            user = users[i % len(users)]
            url = make_url(user, i)
            start = time.perf_counter()
            clients[user.pk].get(MINIMAL)
            minimal.append(time.perf_counter() - start)
            if before_each:
                before_each()
            start = time.perf_counter()
            response = clients[user.pk].get(url)
            samples.append(time.perf_counter() - start)
            assert response.status_code == expect, (url, response.status_code)
        log(f"{make_url(users[0], 0)}: median {statistics.median(samples) * 1000:.1f} ms")
        stats = summary(samples)
        stats["minimal"] = summary(minimal)
        stats["load"] = [load_before, os.getloadavg()[0]]
        return stats

    results = {}
    if only:
        return measure_only(only, results, users, clients, timed, log)
    results["feed_api"] = timed(lambda u, i: "/api/v1/feed/")
    results["home"] = timed(lambda u, i: "/")
    from django.core.cache import cache

    # Nothing cached (the unread count computed exactly, as on a reader's first page after a change).
    results["home_cold"] = timed(lambda u, i: "/", n=max(50, n_requests // 4), before_each=cache.clear)
    results["community"] = timed(lambda u, i: f"/communities/{mine[u.pk][i % len(mine[u.pk])].content_object.slug}/")
    measure_only(("community_busy", "search_api_comments"), results, users, clients, timed, log)
    first_posts = {}
    for u in users:
        first_posts[u.pk] = [p.pk for p in feed.paginate(feed.feed_for(u)).items] or [None]
    results["post"] = timed(lambda u, i: f"/posts/{first_posts[u.pk][i % len(first_posts[u.pk])]}/")
    terms = search_terms()
    results["search_page"] = timed(lambda u, i: f"/search/?q={terms[i % len(terms)]}")
    results["search_api"] = timed(lambda u, i: f"/api/v1/search/?q={terms[i % len(terms)]}")

    # Page 51: follow ``next`` 50 times for some users, then time page 1 against page 51.
    deep = {}
    for u in users[:10]:
        url = "/api/v1/feed/"
        for _ in range(50):
            nxt = clients[u.pk].get(url).json()["next"]
            if not nxt:
                break
            url = nxt.replace("http://testserver", "")
        else:
            deep[u.pk] = url
    deep_users = [u for u in users if u.pk in deep]
    if deep_users:
        saved = users
        users = deep_users
        results["feed_api_p1_deep_users"] = timed(lambda u, i: "/api/v1/feed/")
        results["feed_api_p51"] = timed(lambda u, i: deep[u.pk])
        users = saved
    results["p51_users"] = len(deep_users)

    # The feed's SQL, executed directly (no Python around it).
    def run_sql(qs):
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cur:
            start = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            return time.perf_counter() - start

    def sql_samples(make_qs, who, repeats=SQL_REPEATS):
        for u in who[:3]:
            run_sql(make_qs(u))
        return summary([run_sql(make_qs(u)) for _ in range(repeats) for u in who])

    page = feed.PAGE_SIZE + 1
    results["sql_visible"] = sql_samples(lambda u: feed.feed_for(u)[:page], users)
    results["sql_unfiltered"] = sql_samples(lambda u: feed.feed_candidates(u)[:page], users)
    g_users = users[:GUARDIAN_USERS]
    grant_generic_view_perms(g_users)
    results["sql_visible_guardian_users"] = sql_samples(lambda u: feed.feed_for(u)[:page], g_users)
    results["sql_guardian"] = sql_samples(lambda u: guardian_feed(u)[:page], g_users, repeats=2)
    results["guardian_rows"] = guardian_row_count()
    results["explain_visible"] = explain(feed.feed_for(users[0])[:page])
    return results


def measure_only(keys, results, users, clients, timed, log):
    """The rows added for the speed work (``--only``): the busiest community, the comment search."""
    from django.test import Client

    if "community_busy" in keys:
        community, n, members = busiest_community()
        base = f"/communities/{community.slug}/"
        for member in members:
            if member.pk not in clients:
                clients[member.pk] = Client()
                clients[member.pk].force_login(member)
        log(f"busiest community {community.slug}: {n} posts, {len(members)} members timed")
        deep = {}
        for member in members:
            url = base
            for _ in range(30):
                found = NEXT_LINK.search(clients[member.pk].get(url).content.decode())
                if not found:
                    break
                url = base + found.group(1).replace("&amp;", "&")
            deep[member.pk] = url
        log(f"page 31 link: {deep[members[0].pk]}")
        saved, users[:] = list(users), members  # the timed requests cycle over its members
        results["community_busy"] = timed(lambda u, i: base)
        results["community_busy_deep"] = timed(lambda u, i: deep[u.pk])
        results["community_busy_posts"] = n
        users[:] = saved
    if "search_api_comments" in keys:
        terms = search_terms()
        results["search_api_comments"] = timed(lambda u, i: f"/api/v1/search/?q={terms[i % len(terms)]}&type=comment")
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SHOW max_parallel_workers_per_gather")
            results["parallel_workers"] = cur.fetchone()[0]
            cur.execute("SHOW jit")
            results["jit"] = cur.fetchone()[0]
    return results


def search_terms():
    """Words of the synthetic vocabulary at several frequency ranks (most frequent first)."""
    from bench.seed import vocabulary

    words = vocabulary()
    ranks = [20, 60, 150, 300, 600, 1000, 2500, 5000]
    return [words[r] for r in ranks]


def grant_generic_view_perms(users):
    """Stock guardian: one generic ``view_post`` row per (user, post the rule shows them)
    among the feed's candidates (so the comparison is on the same rows)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from guardian.models import UserObjectPermission

    from feed import selectors as feed
    from posts.models import Post

    ct = ContentType.objects.get_for_model(Post)
    perm = Permission.objects.get(content_type=ct, codename="view_post")
    with transaction.atomic():
        UserObjectPermission.objects.filter(permission=perm).delete()
        for u in users:
            ids = list(feed.feed_for(u).order_by().values_list("pk", flat=True))
            UserObjectPermission.objects.bulk_create(
                [UserObjectPermission(permission=perm, content_type=ct, object_pk=str(pk), user=u) for pk in ids],
                batch_size=5000,
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE guardian_userobjectpermission")


def guardian_row_count():
    from guardian.models import UserObjectPermission

    return UserObjectPermission.objects.count()


def guardian_feed(user):
    from guardian.shortcuts import get_objects_for_user

    from feed import selectors as feed

    return get_objects_for_user(
        user, "posts.view_post", klass=feed.feed_candidates(user), accept_global_perms=False
    ).order_by(*feed.ORDERING)


def explain(qs):
    sql, params = qs.query.sql_with_params()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


# --- the parent: sizes and the table ------------------------------------------------------


def verdict(key, stats, results, final):
    p95 = stats["p95"]
    if key == "feed_api":
        return "≤ 25 ms", p95 <= 25
    if key == "home":
        return "≤ 40 ms", p95 <= 40
    if key in ("community_busy", "community_busy_deep"):
        return "≤ 60 ms", p95 <= 60
    if key in ("search_page", "search_api"):
        return "≤ 60 ms", p95 <= 60
    if key == "feed_api_p51" and "feed_api_p1_deep_users" in results:
        base = results["feed_api_p1_deep_users"]["median"]
        ratio = stats["median"] / base
        return f"≤ 1.5× page 1 (×{ratio:.2f})", ratio <= 1.5
    if key == "sql_visible":
        ratio = stats["median"] / results["sql_unfiltered"]["median"]
        return f"≤ 1.5× no filter (×{ratio:.2f})", ratio <= 1.5
    if key == "sql_guardian":
        ratio = stats["median"] / results["sql_visible_guardian_users"]["median"]
        return f"≥ 10× the rule (×{ratio:.1f})", ratio >= 10
    return "", None


def _fmt(values):
    return " · ".join(f"{v:.1f}" for v in values)


def table(n_posts, runs) -> str:
    """One size's table. ``runs``: the results of one or more runs of the child; with several,
    each cell lists every run (``a · b · c``) and "met" counts the runs whose p95 met the target."""
    results = runs[-1]
    lines = [
        f"### {n_posts:,} posts" + (f" ({len(runs)} runs)" if len(runs) > 1 else ""),
        "",
        "| measurement | median ms | p95 ms | minimal view p95 ms (same seconds) | load avg | target (at 1M) | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for label, key, _target in ROWS:
        if key not in results or not all(key in r for r in runs):
            continue
        stats = [r[key] for r in runs]
        verdicts = [verdict(key, st, r, n_posts >= 1_000_000) for st, r in zip(stats, runs, strict=True)]
        target = verdicts[-1][0]
        oks = [ok for _, ok in verdicts]
        if oks[-1] is None:
            mark = ""
        elif len(runs) == 1:
            mark = "yes" if oks[0] else "**no**"
        else:
            met = sum(bool(ok) for ok in oks)
            mark = f"{met} of {len(runs)}" if met == len(runs) else f"**{met} of {len(runs)}**"
        minimal = _fmt([st["minimal"]["p95"] for st in stats]) if "minimal" in stats[0] else ""
        load = " · ".join(f"{st['load'][1]:.1f}" for st in stats) if "load" in stats[0] else ""
        lines.append(
            f"| {label} | {_fmt([st['median'] for st in stats])} | {_fmt([st['p95'] for st in stats])} "
            f"| {minimal} | {load} | {target} | {mark} |"
        )
    lines.append("")
    if "feed_api" in results:
        lines.append(
            f"Requests per row: {results['feed_api']['n']} (each after a minimal-view request of the same user); "
            f"page 51 measured for {results['p51_users']} users; "
            f"guardian comparison over {GUARDIAN_USERS} users, {results['guardian_rows']:,} generic permission rows."
        )
    if "community_busy_posts" in results:
        lines.append(f"Busiest community: {results['community_busy_posts']:,} posts.")
    if "parallel_workers" in results:
        lines.append(
            f"Session: max_parallel_workers_per_gather = {results['parallel_workers']}, jit = {results['jit']}."
        )
    lines.append(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    return "\n".join(lines)


GROWTH_LIMIT = 1.5


def growth_table(by_size) -> str:
    """p95 per page and size (the median of the runs' p95s), and the growth from 100k to 1M."""
    sizes = sorted(by_size)
    lines = [
        "### Growth (p95 ms, median of the runs)",
        "",
        "| measurement | " + " | ".join(f"{n:,}" for n in sizes) + " | 1M ÷ 100k (≤ 1.5×) |",
        "|---|" + "---:|" * len(sizes) + "---|",
    ]
    for label, key, _target in ROWS:
        if key.startswith("sql_") or not all(all(key in r for r in by_size[n]) for n in sizes):
            continue
        p95 = {n: statistics.median(r[key]["p95"] for r in by_size[n]) for n in sizes}
        cells = " | ".join(f"{p95[n]:.1f}" for n in sizes)
        if 100_000 in p95 and 1_000_000 in p95:
            ratio = p95[1_000_000] / p95[100_000]
            grow = f"×{ratio:.2f}" + ("" if ratio <= GROWTH_LIMIT else " **over**")
        else:
            grow = ""
        lines.append(f"| {label} | {cells} | {grow} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time the feed, pages and search at scale.")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"posts per database (default {DEFAULT_SIZES})")
    parser.add_argument("--requests", type=int, default=200, help="requests per row (≥200 for a p95)")
    parser.add_argument("--users", type=int, default=50, help="distinct users the requests cycle over")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (each cell lists every run)")
    parser.add_argument("--json", help="also write every run's raw results to this file")
    parser.add_argument("--explain", action="store_true", help="also print EXPLAIN ANALYZE of the feed query")
    parser.add_argument(
        "--only",
        default="",
        help="only these rows, comma-separated: community_busy, search_api_comments",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        only = tuple(k for k in args.only.split(",") if k)
        print(json.dumps(measure(args.one, args.requests, args.users, only)))
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    env = {**os.environ}
    print(
        f"unisocial benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    by_size = {}
    for n in sizes:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(n),
                    "--requests",
                    str(args.requests),
                    "--users",
                    str(args.users),
                    "--only",
                    args.only,
                ],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        by_size[n] = runs
        print(table(n, runs))
        if args.explain:
            print("\nEXPLAIN ANALYZE of the feed's first page (first user):\n")
            print(runs[-1]["explain_visible"])
        print()
    if len(sizes) > 1:
        print(growth_table(by_size))
    if args.json:
        Path(args.json).write_text(json.dumps({str(n): runs for n, runs in by_size.items()}))


if __name__ == "__main__":
    main()
