"""Where a feed API request spends its time (docs/performance.md): in process, no server.

    .venv/bin/python bench/load/profile_feed.py --size 1000000 [--requests 200] [--profile]

Times ``--requests`` ``GET /api/v1/feed/`` through Django's test ``Client`` with the
load settings (every middleware, session cookie login as in the load test), round-robin
over ``--users`` bench users, and prints the median and p95 (and the median CPU time of this process: Django's Python
without the database, steadier than wall time on a shared machine), the SQL queries of one
request with their time, and with ``--profile`` the top of cProfile by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.load.run import percentile, setup_django  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--path", default="/api/v1/feed/")
    p.add_argument("--profile", action="store_true")
    args = p.parse_args(argv)
    setup_django(args.size)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load.run import prepare

    users = prepare(args.users)
    clients = []
    for u in users:
        c = Client(HTTP_ACCEPT="application/json")
        c.cookies["sessionid"] = u["session"]
        clients.append(c)
    for c in clients[:10]:
        assert c.get(args.path).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        clients[0].get(args.path)
    print(f"{len(ctx.captured_queries)} queries in one request:")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:150]}")
    prof = cProfile.Profile() if args.profile else None
    samples, cpu = [], []
    for i in range(args.requests):
        c = clients[i % len(clients)]
        cpu_start = time.process_time()
        start = time.perf_counter()
        if prof:
            prof.enable()
        r = c.get(args.path)
        if prof:
            prof.disable()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
        assert r.status_code == 200, r.status_code
    print(f"{args.path}: median {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms "
          f"over {len(samples)} requests, {len(clients)} users; Python CPU median {statistics.median(cpu):.1f} ms")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
