"""The unread-notification count, exact vs from the cache, interleaved in one process.

    BENCH_DATABASE_PREFIX=… .venv/bin/python bench/unread.py --posts 100000 [--rounds 200]

On the size's bench database (``bench/seed.py``), for the bench users round-robin: the exact count
(``selectors.exact_unread_count``: the access rule for three target kinds, built, compiled and run)
and the navigation's count (``unread.unread_count``: from the cache), alternately, so both see the
same machine. Prints median and p95 in ms. Nothing here runs in the test suite.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.run import summary  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("UNREAD_COUNT_CACHE", "True")
    common.setup_django(args.posts)
    from django.contrib.auth import get_user_model

    from notifications.models import Notification
    from notifications.selectors import exact_unread_count
    from notifications.unread import unread_count

    User = get_user_model()
    users = list(User.objects.filter(username__startswith="bench").order_by("pk")[: args.users])
    exact, cached = [], []
    for i in range(args.rounds + len(users)):
        user = users[i % len(users)]
        t0 = time.perf_counter()
        a = exact_unread_count(user)
        t1 = time.perf_counter()
        b = unread_count(user)
        t2 = time.perf_counter()
        assert a == b, (user.pk, a, b)
        if i >= len(users):  # after one round: every user's count is in the cache
            exact.append(t1 - t0)
            cached.append(t2 - t1)
    print(f"{args.posts} posts, {Notification.objects.count()} notifications, {len(users)} users, "
          f"{args.rounds} rounds, load {open('/proc/loadavg').read().split()[:3]}")
    for name, samples in (("exact count", exact), ("cached count", cached)):
        s = summary(samples)
        print(f"| {name} | {s['median']:.2f} | {s['p95']:.2f} |")


if __name__ == "__main__":
    main()
