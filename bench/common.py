"""Shared set-up of the benchmark scripts: one PostgreSQL database per size.

The benchmark never touches the demo database or the test database: every size
gets its own database, ``unisocial_bench_<size>`` on the server of
``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432``), so a
re-run at the same size reuses its data (``BENCH_DATABASE_NAME`` names one instead).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def database_name(n_posts: int) -> str:
    # BENCH_DATABASE_NAME: one fixed database instead (one size per run); BENCH_DATABASE_PREFIX: a
    # helper's own databases next to the shared ones (unisocial_<name>_bench_100k).
    if os.environ.get("BENCH_DATABASE_NAME"):
        return os.environ["BENCH_DATABASE_NAME"]
    return f"{os.environ.get('BENCH_DATABASE_PREFIX', 'unisocial_bench')}_{size_label(n_posts)}"


def database_url(n_posts: int) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path="/" + database_name(n_posts)))


def ensure_database(n_posts: int) -> None:
    """Create the size's database if it does not exist (connects to ``postgres``)."""
    import psycopg2

    parts = urlsplit(SERVER_URL)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(n_posts)])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{database_name(n_posts)}"')
    conn.close()


def setup_django(n_posts: int) -> None:
    """Point Django at the size's database (production settings, DEBUG off, no Redis)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url(n_posts)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "False")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-abcdef")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
