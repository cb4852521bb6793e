"""The Python CPU of the feed API, the home page, the community page and the post page, in process.

    .venv/bin/python bench/profile_pages.py --size 1000000 [--users 60] [--rounds 3]
        [--pages feed,home,community,post] [--profile post] [--label after]

Like ``bench/load/profile_feed.py`` (the load settings, every middleware, a session cookie
per bench user, Django's test ``Client``), for the pages of the load test's mix: per page
kind, each of ``--users`` bench users requests it once a round (the home page ``/``, the
feed API, their first community's front page, the first post of their feed), and the
script prints the median and p95 over all requests of this process's CPU time (Django's
Python without PostgreSQL, steadier than wall time on a shared host), the wall time, the
queries of one request and the load average. ``--profile KIND`` adds cProfile's top for
that kind.

**Read-only on the benchmark database**: the whole run — the bench users' sessions, the
session refreshes and any access-log line a page writes — is one transaction that is
rolled back at the end, so a run leaves the database as it found it. The commit hooks that
writes in it register are dropped before each request (they would run only at a COMMIT,
which never comes): left there, they would tell the navigation's unread count
(``notifications.unread``) that this connection has an uncommitted change, and it would count
exactly on every page instead of reading its cache, as no real request does. Run it with
``REDIS_URL`` (your own Redis database) for the load test's cache.

To compare two versions of the code on a shared machine, run each version's script in
turn, a few times (A B A B), with the same arguments: ``--label`` names the line.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load.run import percentile, setup_django  # noqa: E402

KINDS = ("feed", "home", "community", "post")


def path_of(kind: str, user: dict) -> str:
    if kind == "feed":
        return "/api/v1/feed/"
    if kind == "home":
        return "/"
    if kind == "community":
        return f"/communities/{user['communities'][0]}/"
    if kind == "post":
        return f"/posts/{user['posts'][0]}/"
    raise ValueError(kind)


class Rollback(Exception):
    pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--users", type=int, default=60)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--pages", default=",".join(KINDS))
    p.add_argument("--profile", default="", help="a page kind to run under cProfile")
    p.add_argument("--label", default="")
    p.add_argument("--queries", action="store_true", help="print the SQL of one request of each kind")
    args = p.parse_args(argv)
    kinds = [k for k in args.pages.split(",") if k]
    setup_django(args.size)
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load.run import prepare

    try:
        with transaction.atomic():
            users = prepare(args.users)
            clients = []
            for u in users:
                c = Client(HTTP_ACCEPT="application/json")
                c.cookies["sessionid"] = u["session"]
                clients.append((c, u))
            for kind in kinds:  # warm-up, and the queries of one request
                for c, u in clients[:5]:
                    connection.run_on_commit.clear()
                    assert c.get(path_of(kind, u)).status_code == 200, (kind, path_of(kind, u))
                connection.run_on_commit.clear()
                with CaptureQueriesContext(connection) as ctx:
                    clients[0][0].get(path_of(kind, clients[0][1]))
                print(f"{kind}: {len(ctx.captured_queries)} queries in one request")
                if args.queries:
                    for q in ctx.captured_queries:
                        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
            cpu = {k: [] for k in kinds}
            wall = {k: [] for k in kinds}
            prof = cProfile.Profile() if args.profile else None
            load_before = os.getloadavg()[0]
            for _round in range(args.rounds):
                for kind in kinds:
                    for c, u in clients:
                        path = path_of(kind, u)
                        connection.run_on_commit.clear()  # see the docstring
                        profiled = prof is not None and kind == args.profile
                        cpu_start, start = time.process_time(), time.perf_counter()
                        if profiled:
                            prof.enable()
                        r = c.get(path)
                        if profiled:
                            prof.disable()
                        wall[kind].append((time.perf_counter() - start) * 1000)
                        cpu[kind].append((time.process_time() - cpu_start) * 1000)
                        assert r.status_code == 200, (path, r.status_code)
            load_after = os.getloadavg()[0]
            label = f"[{args.label}] " if args.label else ""
            print(
                f"{label}{len(clients)} users x {args.rounds} rounds; load average {load_before:.2f} -> "
                f"{load_after:.2f}; {time.strftime('%H:%M:%S', time.gmtime())} UTC"
            )
            for kind in kinds:
                print(
                    f"{label}{kind:9} CPU median {statistics.median(cpu[kind]):6.1f} ms  "
                    f"p95 {percentile(cpu[kind], 95):6.1f} ms   wall median {statistics.median(wall[kind]):6.1f} ms  "
                    f"p95 {percentile(wall[kind], 95):6.1f} ms   (n={len(cpu[kind])})"
                )
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(os.environ.get("PROFILE_FILTER", ""), 50)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
