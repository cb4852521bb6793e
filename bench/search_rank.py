"""Search at scale: the GIN match ranked with ts_rank (the fallback) against the top k read from
the RUM index (migration posts/0018), in one process, interleaved, per word of bench/run.py's
``search_terms`` (docs/performance.md "Search at 1M: top-k from the index").

    .venv/bin/python bench/search_rank.py [--posts 1000000] [--users 3] [--repeats 5] [--type comment]

Reads only: never migrates or seeds (run bench/seed.py, then migrate or create the RUM indexes
CONCURRENTLY by hand as in posts/migrations/0018). Each request goes through the search API view
(Django test client, the access rule and all), the mode switched per request; ``recent`` is the
other design measured, ranking only each kind's newest 2,000 visible matches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.run import percentile, search_terms  # noqa: E402

RECENT = 2000


def recent_ranked(search_module):
    """Option B: rank only the newest RECENT visible matches of each kind (ts_rank)."""
    from django.contrib.postgres.search import SearchRank

    original = search_module._ranked

    def ranked(kind, rows, q, language=None):
        if not q:
            return original(kind, rows, q, language)
        query = search_module.full_text_query(q, language)
        newest = (
            rows.annotate(document=search_module._StoredDocument())
            .filter(document=query)
            .order_by("-created_at", "-id")
            .values("pk")[:RECENT]
        )
        return (
            kind.model.objects.filter(pk__in=newest)
            .annotate(rank=SearchRank(search_module._StoredDocument(), query))
            .order_by("-rank", "-created_at", "-id")
        )

    return ranked


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--type", default="", help="post, comment or wiki (default: everything)")
    parser.add_argument("--modes", default="gin,rum", help="comma-separated: gin, rum, recent")
    args = parser.parse_args(argv)
    common.setup_django(args.posts)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from feed import search as search_module

    assert search_module.ranked_by_index(), "no RUM indexes in this database (posts/migrations/0018)"
    User = get_user_model()
    everyone = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    users = everyone[:: max(1, len(everyone) // args.users)][: args.users]
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    original_ranked = search_module._ranked
    modes = {
        "gin": (lambda: False, original_ranked),
        "rum": (lambda: True, original_ranked),
        "recent": (lambda: False, recent_ranked(search_module)),
    }
    chosen = [m for m in args.modes.split(",") if m]
    suffix = f"&type={args.type}" if args.type else ""
    print(
        f"{args.posts:,} posts, {len(users)} users × {args.repeats} repeats per word and mode, "
        f"type={args.type or 'all'}; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    samples = {(w, m): [] for w in search_terms() for m in chosen}
    sql_ms = {(w, m): [] for w in search_terms() for m in chosen}  # the ranking queries' own time
    spent = []

    def ranking_time(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if '"rank"' in sql or "<=>" in sql:
                spent.append((time.perf_counter() - start) * 1000)

    counts = {}
    for word in search_terms():
        url = f"/api/v1/search/?q={word}{suffix}"
        for mode in chosen:  # warm-up
            search_module.ranked_by_index, search_module._ranked = modes[mode]
            clients[0].get(url)
        for _repeat in range(args.repeats):
            for client in clients:
                for mode in chosen:  # interleaved: each request of each mode next to the others
                    search_module.ranked_by_index, search_module._ranked = modes[mode]
                    spent.clear()
                    start = time.perf_counter()
                    with connection.execute_wrapper(ranking_time):
                        response = client.get(url)
                    samples[(word, mode)].append((time.perf_counter() - start) * 1000)
                    sql_ms[(word, mode)].append(sum(spent))
                    assert response.status_code == 200, response.content
                    counts[(word, mode)] = len(response.json()["results"])
    head = " | ".join(f"{m} median | {m} p95 | {m} ranking SQL median" for m in chosen)
    print(f"\n| rank | word | {head} |")
    print("|---:|---|" + "---:|---:|---:|" * len(chosen))
    ranks = [20, 60, 150, 300, 600, 1000, 2500, 5000]
    for rank, word in zip(ranks, search_terms(), strict=True):
        cells = " | ".join(
            f"{statistics.median(samples[(word, m)]):.1f} | {percentile(samples[(word, m)], 95):.1f} | "
            f"{statistics.median(sql_ms[(word, m)]):.1f}"
            for m in chosen
        )
        print(f"| {rank} | {word} | {cells} |")
    every = {m: [s for (w, mm), v in samples.items() if mm == m for s in v] for m in chosen}
    print(
        "| all | | "
        + " | ".join(f"{statistics.median(every[m]):.1f} | {percentile(every[m], 95):.1f} | " for m in chosen)
        + " |"
    )
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
