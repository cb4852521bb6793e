"""The feed API with the rule's SQL compiled once (``CompiledRule``) against Django's own, in one process.

    .venv/bin/python bench/compiled_rule.py --size 1000000 [--users 60] [--rounds 2] [--search 120]

Like ``bench/profile_pages.py`` (the load settings, every middleware, a session cookie per bench
user, Django's test ``Client``, the whole run one transaction rolled back: read-only on the bench
database): each bench user requests ``/api/v1/feed/`` once with ``FeedViewSet.compiled_rule``
off (``visible_to``: Django builds and compiles the rule) and once with it on, the order
alternating request by request, and the two answers must be the same JSON. Prints the median and
p95 of this process's CPU time and of the wall time per path, and the load average. Then, without
the database, the cost of building and compiling the page's query alone (``--compile N`` times a
path, alternating). ``--search N``: the search API (``/api/v1/search/?q=`` a bench word) N times
a path, ``feed.search.COMPILED_RULE`` off and on alternating, the same JSON asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load.run import percentile, setup_django  # noqa: E402


class Rollback(Exception):
    pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--users", type=int, default=60)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--compile", type=int, default=300)
    p.add_argument("--search", type=int, default=0, help="search API requests per path (0: none)")
    p.add_argument("--ranks", default="600,1000,2500,5000", help="search words by rank (bench/load/run.py)")
    args = p.parse_args(argv)
    setup_django(args.size)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    from bench.load.run import SEARCH_RANKS, prepare, search_terms
    from feed import api
    from feed import search as search_module
    from feed import selectors as feed

    paths = {"django": False, "compiled": True}
    try:
        with transaction.atomic():
            users = prepare(args.users)
            clients = []
            for u in users:
                c = Client(HTTP_ACCEPT="application/json")
                c.cookies["sessionid"] = u["session"]
                clients.append(c)
            cpu = {k: [] for k in paths}
            wall = {k: [] for k in paths}
            for c in clients[:5]:  # warm-up
                for on in paths.values():
                    api.FeedViewSet.compiled_rule = on
                    connection.run_on_commit.clear()
                    assert c.get("/api/v1/feed/").status_code == 200
            load_before = os.getloadavg()[0]
            n = 0
            for _round in range(args.rounds):
                for c in clients:
                    order = list(paths) if n % 2 == 0 else list(paths)[::-1]
                    n += 1
                    bodies = {}
                    for name in order:
                        api.FeedViewSet.compiled_rule = paths[name]
                        connection.run_on_commit.clear()  # see bench/profile_pages.py
                        cpu_start, start = time.process_time(), time.perf_counter()
                        r = c.get("/api/v1/feed/")
                        wall[name].append((time.perf_counter() - start) * 1000)
                        cpu[name].append((time.process_time() - cpu_start) * 1000)
                        assert r.status_code == 200
                        bodies[name] = r.content
                    assert bodies["django"] == bodies["compiled"], "the two paths answered differently"
            load_after = os.getloadavg()[0]
            print(
                f"feed API, {len(clients)} users x {args.rounds} rounds, both paths alternating; load average "
                f"{load_before:.2f} -> {load_after:.2f}; {time.strftime('%H:%M:%S', time.gmtime())} UTC"
            )
            for name in paths:
                print(
                    f"  {name:9} CPU median {statistics.median(cpu[name]):6.1f} ms  "
                    f"p95 {percentile(cpu[name], 95):6.1f} ms   wall median {statistics.median(wall[name]):6.1f} ms  "
                    f"p95 {percentile(wall[name], 95):6.1f} ms   (n={len(cpu[name])})"
                )

            # The page's query built and compiled, not run (a bench user; "open" scope: no sources query).
            user = get_user_model().objects.filter(username__startswith="bench", is_active=True).order_by("pk").first()

            def build(on):
                qs = feed.feed_candidates(user, scope=feed.SCOPE_OPEN)
                qs = qs.visible_to_compiled(user) if on else qs.visible_to(user)
                return qs[:21].query.get_compiler(connection=connection).as_sql()

            times = {k: [] for k in paths}
            for i in range(args.compile):
                for name in list(paths) if i % 2 == 0 else list(paths)[::-1]:
                    start = time.process_time()
                    build(paths[name])
                    times[name].append((time.process_time() - start) * 1000)
            print(f"the page's query built and compiled (no database), {args.compile} times a path, alternating:")
            for name in paths:
                print(
                    f"  {name:9} CPU median {statistics.median(times[name]):6.2f} ms  "
                    f"p95 {percentile(times[name], 95):6.2f} ms"
                )
            print(f"load average now {os.getloadavg()[0]:.2f}")
            if args.search:
                words = dict(zip(SEARCH_RANKS, search_terms(), strict=True))
                chosen = [words[int(r)] for r in args.ranks.split(",")]
                cpu = {k: [] for k in paths}
                wall = {k: [] for k in paths}
                load_before = os.getloadavg()[0]
                for i in range(args.search):
                    c = clients[i % len(clients)]
                    path = f"/api/v1/search/?q={chosen[i % len(chosen)]}"
                    bodies = {}
                    for name in list(paths) if i % 2 == 0 else list(paths)[::-1]:
                        search_module.COMPILED_RULE = paths[name]
                        connection.run_on_commit.clear()
                        cpu_start, start = time.process_time(), time.perf_counter()
                        r = c.get(path)
                        wall[name].append((time.perf_counter() - start) * 1000)
                        cpu[name].append((time.process_time() - cpu_start) * 1000)
                        assert r.status_code == 200, r.status_code
                        bodies[name] = r.content
                    assert bodies["django"] == bodies["compiled"], "the two paths answered differently"
                print(
                    f"search API (words of rank {args.ranks}), {args.search} requests a path, alternating; load "
                    f"average {load_before:.2f} -> {os.getloadavg()[0]:.2f}; {time.strftime('%H:%M:%S', time.gmtime())}"
                )
                for name in paths:
                    print(
                        f"  {name:9} CPU median {statistics.median(cpu[name]):6.1f} ms  "
                        f"p95 {percentile(cpu[name], 95):6.1f} ms   wall median {statistics.median(wall[name]):6.1f} ms"
                        f"  p95 {percentile(wall[name], 95):6.1f} ms   (n={len(cpu[name])})"
                    )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
