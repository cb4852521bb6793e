"""Load test (docs/performance.md): the site under gunicorn, driven over loopback by wrk.

    .venv/bin/python bench/load/run.py                     # 1M posts, 30 s a phase (needs wrk)
    .venv/bin/python bench/load/run.py --size 10000 --duration 10 --warmup 5

On the size's benchmark database (``unisocial_bench_<size>``, seeded by
``bench/seed.py``; ``bench.common``) it

1. prepares ``--users`` logged-in bench users (every k-th one, so memberships and
   feed sizes differ): a database session each (``django.contrib.sessions``, as
   a login makes), an API token each (for the posts, which need no CSRF token
   with token authentication), and per user their communities and posts from
   their feed; then writes the request lists;
2. starts gunicorn (sync workers, ``--workers``, ``bench.load.settings``:
   production settings with ``DEBUG=False``, persistent connections, Celery on
   Redis: ``REDIS_URL``, default ``redis://127.0.0.1:6379/7``) on ``127.0.0.1:--port``;
3. runs wrk (``bench/load/mix.lua``; ``--connections`` threads with one
   connection each, closed loop) for ``--duration`` seconds per phase after a
   ``--warmup`` on the mix:

   * ``minimal``: ``/bench/minimal/`` with the users' session cookies — the
     ceiling: every middleware of the site (session load and save, user, terms
     gate), a view that does nothing;
   * ``feed``: ``/api/v1/feed/`` alone, rotating over the users;
   * ``mix``: feed API, home page, community page, post page, search API and
     posting (``POST /api/v1/posts/``) in the ``--mix`` proportions;

4. prints, per phase and request kind, requests/s, p50/p95/p99 latency (ms, as
   the client saw it: queueing in the listen backlog included) and errors (any
   status but the expected one, plus wrk's socket errors and timeouts), and the
   feed API's rate as a percentage of the ceiling.

Posting adds posts to the size's database (bounded: ``--mix`` share × rate ×
duration). Nothing here runs in the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import percentile  # noqa: E402  (the same exact percentiles as the page timings)

LUA = Path(__file__).resolve().parent / "mix.lua"
DEFAULT_MIX = "feed=40,home=10,community=15,post=28,search=5,create=2"
KINDS = ("feed", "home", "community", "post", "search", "create")
EXPECTED_STATUS = {"create": 201}
# words of the bench vocabulary (bench/seed.py) at these frequency ranks: common to rare
SEARCH_RANKS = (20, 60, 150, 300, 600, 1000, 2500, 5000)
TARGET_SHARE = 8  # % of the minimal view's requests/s
TARGET_P99_MS = 100
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-abcdef"


# --- arguments and tables (tested in tests/bench/) -----------------------------------------


def parse_mix(text: str) -> dict[str, int]:
    """``"feed=40,post=25"`` -> ``{"feed": 40, "post": 25}``; unknown kinds and bad weights raise."""
    mix = {}
    for part in text.split(","):
        if not part.strip():
            continue
        kind, sep, weight = part.partition("=")
        kind = kind.strip()
        if not sep or kind not in KINDS:
            raise argparse.ArgumentTypeError(f"mix: {part!r}; kinds are {', '.join(KINDS)}")
        try:
            w = int(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"mix: weight of {kind} must be an integer") from None
        if w < 0:
            raise argparse.ArgumentTypeError(f"mix: weight of {kind} must be ≥ 0")
        mix[kind] = w
    if not sum(mix.values()):
        raise argparse.ArgumentTypeError("mix: no request has a weight")
    return mix


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Load test of the site under gunicorn, driven by wrk.")
    p.add_argument("--size", type=int, default=1_000_000, help="posts of the bench database (default 1M)")
    p.add_argument("--duration", type=int, default=30, help="seconds per measured phase (default 30)")
    p.add_argument("--warmup", type=int, default=10, help="seconds of the mix before measuring (default 10)")
    p.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    p.add_argument("--connections", type=int, default=3, help="concurrent clients, one wrk thread each (default 3)")
    p.add_argument("--users", type=int, default=200, help="logged-in bench users (default 200)")
    p.add_argument("--mix", type=parse_mix, default=parse_mix(DEFAULT_MIX), help=f"default {DEFAULT_MIX}")
    p.add_argument("--phases", default="minimal,feed,mix", help="default minimal,feed,mix")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--keep", action="store_true", help="keep the request lists and logs (prints where)")
    return p


def summarize(records, seconds: float, socket_errors: int = 0) -> dict[str, dict]:
    """Per kind: requests/s, p50/p95/p99 (ms) and errors from ``(kind, status, latency_us)`` records.

    wrk's socket errors and timeouts cannot be attributed to a kind: they go to the ``all`` row.
    """
    by_kind: dict[str, list] = {}
    for kind, status, latency_us in records:
        by_kind.setdefault(kind, []).append((status, latency_us))
    out = {}
    for kind in sorted(by_kind, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS)):
        rows = by_kind[kind]
        ms = [lat / 1000 for _, lat in rows]
        expected = EXPECTED_STATUS.get(kind, 200)
        out[kind] = {
            "n": len(rows),
            "rps": len(rows) / seconds,
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "errors": sum(1 for status, _ in rows if status != expected),
        }
    if len(out) > 1 or socket_errors:
        ms = [lat / 1000 for _, _, lat in records]
        out["all"] = {
            "n": len(records),
            "rps": len(records) / seconds,
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "errors": sum(v["errors"] for v in out.values()) + socket_errors,
        }
    return out


def table(title: str, stats: dict[str, dict], ceiling_rps: float | None = None) -> str:
    lines = [
        f"#### {title}",
        "",
        "| request | requests | req/s | % of minimal | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, s in stats.items():
        share = f"{100 * s['rps'] / ceiling_rps:.1f} %" if ceiling_rps else ""
        lines.append(
            f"| {kind} | {s['n']:,} | {s['rps']:.1f} | {share} | {s['p50']:.1f} | {s['p95']:.1f} "
            f"| {s['p99']:.1f} | {s['errors']} |"
        )
    return "\n".join(lines)


def verdict(feed_phase: dict[str, dict], ceiling_rps: float) -> str:
    """The target (docs/performance.md): the feed API alone at ≥ 8 % of the ceiling, p99 ≤ 100 ms, no errors."""
    feed = feed_phase["feed"]
    share = 100 * feed["rps"] / ceiling_rps
    errors = feed_phase.get("all", feed)["errors"]
    ok = share >= TARGET_SHARE and feed["p99"] <= TARGET_P99_MS and errors == 0
    return (
        f"feed API alone: {feed['rps']:.1f} req/s = {share:.1f} % of minimal ({ceiling_rps:.1f} req/s); "
        f"p99 {feed['p99']:.1f} ms; errors {errors}; target (≥ {TARGET_SHARE} %, p99 ≤ {TARGET_P99_MS} ms, "
        f"0 errors): {'met' if ok else 'NOT met'}"
    )


def read_logs(prefix: str) -> list[tuple[str, int, int]]:
    records = []
    directory, stem = os.path.split(prefix)
    for name in sorted(os.listdir(directory)):
        if not name.startswith(stem) or not name.endswith(".log"):
            continue
        with open(os.path.join(directory, name)) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    records.append((parts[0], int(parts[1]), int(parts[2])))
    return records


# --- preparation: users, sessions, tokens, request lists ------------------------------------


def setup_django(size: int) -> dict:
    """Django on the size's database with the load settings; returns the environment for gunicorn."""
    from bench import common

    env = {
        **os.environ,
        "DATABASE_URL": common.database_url(size),
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "DEBUG": "False",
        "SECRET_KEY": os.environ.get("SECRET_KEY", SECRET_KEY),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PYTHONPATH": str(ROOT),
        # The API's per-person throttles (SPEC §7) lifted: a load run sends far more per bench
        # user than a person would, and a 429 would count as an error of the run.
        "API_THROTTLE_USER": os.environ.get("API_THROTTLE_USER", "1000000/min"),
        "API_THROTTLE_ANON": os.environ.get("API_THROTTLE_ANON", "1000000/min"),
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY",
                                           "ALLOWED_HOSTS")})
    import django

    django.setup()
    return env


def prepare(n_users: int) -> list[dict]:
    """Log ``n_users`` bench users in (a session each) and collect what their requests need."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from communities.models import Membership
    from feed import selectors as feed
    from unisocial.tokens import create_token

    User = get_user_model()
    everyone = list(User.objects.filter(username__startswith="bench", is_active=True).order_by("pk"))
    if not everyone:
        raise SystemExit("No bench users: seed the database first (bench/seed.py).")
    users = everyone[:: max(1, len(everyone) // n_users)][:n_users]
    # The backend that loads the user of a session (django-axes' backend, first, only watches sign-ins).
    backend = next(path for path in settings.AUTHENTICATION_BACKENDS if path.startswith("unisocial."))
    prepared = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        _row, token = create_token(user, "bench load run", 7)
        communities = list(
            Membership.objects.active()
            .filter(user_id=user.pk, content_object__is_archived=False)
            .values_list("content_object__slug", flat=True)
        )
        posts = [p.pk for p in feed.paginate(feed.feed_for(user)).items]
        if communities and posts:
            prepared.append(
                {"session": session.session_key, "token": token, "communities": communities, "posts": posts}
            )
    return prepared


def search_terms() -> list[str]:
    from bench.seed import vocabulary

    words = vocabulary()
    return [words[r] for r in SEARCH_RANKS]


def request_line(kind: str, user: dict, rng: random.Random, terms: list[str], serial: int) -> str:
    cookie = f"c:{user['session']}"
    if kind == "feed":
        return f"feed\tGET\t/api/v1/feed/\t{cookie}\t-"
    if kind == "home":
        return f"home\tGET\t/\t{cookie}\t-"
    if kind == "community":
        return f"community\tGET\t/communities/{rng.choice(user['communities'])}/\t{cookie}\t-"
    if kind == "post":
        return f"post\tGET\t/posts/{rng.choice(user['posts'])}/\t{cookie}\t-"
    if kind == "search":
        return f"search\tGET\t/api/v1/search/?q={rng.choice(terms)}\t{cookie}\t-"
    if kind == "create":
        body = json.dumps(
            {
                "community": rng.choice(user["communities"]),
                "title": f"Load test post {serial}",
                "body": f"<p>Written by the load test, request {serial}.</p>",
                "classification": "unclassified",
            }
        )
        return f"create\tPOST\t/api/v1/posts/\tt:{user['token']}\t{body}"
    if kind == "minimal":
        return f"minimal\tGET\t/bench/minimal/\t{cookie}\t-"
    raise ValueError(kind)


def request_list(weights: dict[str, int], users: list[dict], terms: list[str], length: int = 20_000,
                 seed: int = 7) -> list[str]:
    """``length`` requests in the proportions of ``weights``, shuffled, users round-robin."""
    rng = random.Random(seed)
    total = sum(weights.values())
    kinds = []
    for kind, w in weights.items():
        kinds += [kind] * round(length * w / total)
    rng.shuffle(kinds)
    return [request_line(kind, users[i % len(users)], rng, terms, i) for i, kind in enumerate(kinds)]


# --- the run ----------------------------------------------------------------------------------


def start_gunicorn(env: dict, workers: int, port: int, log) -> subprocess.Popen:
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")), "unisocial.wsgi:application",
        "--worker-class", "sync", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--backlog", "256", "--timeout", "60", "--log-level", "warning", "--chdir", str(ROOT),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, start_new_session=True)
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/minimal/", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see its log")
        time.sleep(0.2)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: gunicorn and its workers only
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_wrk(port: int, seconds: int, connections: int, lines: list[str], workdir: Path, name: str):
    reqs = workdir / f"{name}.tsv"
    reqs.write_text("\n".join(lines) + "\n")
    prefix = str(workdir / f"{name}-")
    cmd = [
        shutil.which("wrk") or "wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s",
        "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(reqs), prefix,
    ]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    summary = next(json.loads(line.split(" ", 1)[1]) for line in out.splitlines() if line.startswith("WRKSUMMARY"))
    return read_logs(prefix), summary


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def busy() -> int:
    """pytest processes running beside the load test (the machine is shared)."""
    found = subprocess.run(["pgrep", "-f", "bin/pytest"], stdout=subprocess.PIPE, text=True).stdout.split()
    return len(found)


def main(argv=None):
    args = parser().parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    env = setup_django(args.size)
    from django.db import connections

    from bench import common

    began = time.monotonic()

    def say(msg):
        print(f"[{time.monotonic() - began:6.1f}s] {msg}", file=sys.stderr, flush=True)

    say(f"preparing {args.users} users on {common.database_name(args.size)}")
    users = prepare(args.users)
    terms = search_terms()
    connections.close_all()
    say(f"{len(users)} users ready")
    lists = {
        "minimal": request_list({"minimal": 1}, users, terms, length=len(users)),
        "feed": request_list({"feed": 1}, users, terms, length=len(users)),
        "mix": request_list(args.mix, users, terms),
    }
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    workdir = Path(tempfile.mkdtemp(prefix="unisocial-load-"))
    results = {}
    with open(workdir / "gunicorn.log", "w") as glog:
        server = start_gunicorn(env, args.workers, args.port, glog)
        try:
            say(f"gunicorn up ({args.workers} sync workers); warm-up {args.warmup} s (mix); load {loadavg()}")
            if args.warmup:
                run_wrk(args.port, args.warmup, args.connections, lists["mix"], workdir, "warmup")
            for phase in phases:
                load_before = f"{loadavg()}, {busy()} pytest processes"
                records, summary = run_wrk(args.port, args.duration, args.connections, lists[phase], workdir, phase)
                socket_errors = sum(summary[k] for k in ("connect", "read", "write", "timeout"))
                seconds = summary["duration_us"] / 1e6
                results[phase] = summarize(records, seconds, socket_errors)
                results[phase]["_load"] = (load_before, f"{loadavg()}, {busy()} pytest processes")
                say(f"{phase}: {len(records)} responses in {seconds:.1f} s; load {loadavg()}")
        finally:
            stop(server)
    ceiling = results.get("minimal", {}).get("minimal", {}).get("rps")
    print(f"unisocial load test — {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, "
          f"{common.database_name(args.size)}, gunicorn {args.workers} sync workers, "
          f"wrk {args.connections} connections, {args.duration} s per phase after {args.warmup} s warm-up")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    for phase in phases:
        stats = dict(results[phase])
        before, after = stats.pop("_load")
        print(table(f"{phase} (load average before: {before}; after: {after})", stats, ceiling))
        print()
    if ceiling and "feed" in results and "feed" in results["feed"]:
        print(verdict(results["feed"], ceiling))
    if args.keep:
        print(f"\nrequest lists, wrk logs and gunicorn's log: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
