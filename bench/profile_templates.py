"""What the HTML pages spend on their templates (docs/performance.md, "Template rendering").

    .venv/bin/python bench/profile_templates.py --size 100000 [--requests 60] [--users 50]
    .venv/bin/python bench/profile_templates.py --size 1000000 --before /tmp/old-templates
    .venv/bin/python bench/profile_templates.py --size 10000 --profile post

In process, through Django's test ``Client`` with the bench settings (production settings,
``DEBUG=False``, the cached template loader), it requests the home page (``/``), a community
page (one of the user's communities) and a post page (a post from the user's feed) for
``--users`` logged-in bench users (every k-th one, as ``bench/run.py``), ``--requests``
requests per page round-robin after a warm-up, and prints per page the median and p95 of

* ``wall``: the whole request (middleware, session, view, queries, template);
* ``cpu``: this process's CPU time for it (``time.process_time``: Django's Python without the
  database server, steadier than wall time on a shared machine);
* ``render``: wall time inside the page's top-level template render (``render_to_string``),
  includes, tags and filters included; ``render cpu``, this process's CPU time in it; and
  ``render sql``, the part of the wall time spent in queries the template itself triggered
  (lazy querysets, tags that query, the nav's unread count), with their number;
* ``unread count``: the navigation's unread count (``notifications.unread``, evaluated lazily
  inside the render, so part of ``render``), timed apart.

**Read-only on the bench database**: every connection is ``default_transaction_read_only``
(a write would fail the run), and the sessions are signed cookies built here (no session
row, no ``last_login`` update; the session middleware's cost is the cookie's signature check
instead of one session query), and the post page's access-log line of a strictly confidential
post (one INSERT) is not written.

``--before DIR``: a copy of the templates to compare with (e.g. ``git archive`` of an older
commit's ``templates/``). Each request is then made twice, once rendering with ``DIR`` first
on the template path and once with the current templates, alternating which goes first, so
the two columns share the machine's state (load average printed before and after).
``--before-libraries markings=old_markings,…``: that version's template tag libraries too (the
``{% load %}`` names of the ``--before`` engine mapped to importable modules).

``--profile PAGE``: cProfile of ``PAGE`` (home, community or post) over the requests, top
functions by internal time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import percentile  # noqa: E402

PAGES = ("home", "community", "post")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _setup(size: int) -> None:
    from bench import common

    common.setup_django(size)
    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    # No session rows: the cookie is the session (see the module's docstring).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

    def read_only(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET default_transaction_read_only = on")

    connection_created.connect(read_only, weak=False)
    # The one write of these pages: the access-log line of a view of a strictly confidential post
    # (SPEC §2.2; one INSERT). Not written here, to stay read-only.
    from posts import services

    services.log_view = lambda *args, **kwargs: None


def _users(n_users: int) -> list[dict]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from communities.models import Membership
    from feed import selectors as feed

    User = get_user_model()
    everyone = list(User.objects.filter(username__startswith="bench", is_active=True).order_by("pk"))
    if not everyone:
        raise SystemExit("No bench users: seed the database first (bench/seed.py).")
    picked = everyone[:: max(1, len(everyone) // n_users)][:n_users]
    backend = next(path for path in settings.AUTHENTICATION_BACKENDS if path.startswith("unisocial."))
    users = []
    for user in picked:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        communities = list(
            Membership.objects.active()
            .filter(user_id=user.pk, content_object__is_archived=False)
            .values_list("content_object__slug", flat=True)
        )
        posts = [p.pk for p in feed.paginate(feed.feed_for(user)).items]
        if communities and posts:
            users.append({"cookie": session.session_key, "communities": communities, "posts": posts})
    return users


class RenderTimer:
    """Wall time of the top-level template renders of a request, and the queries inside them."""

    def __init__(self):
        from django.db import connection
        from django.template.backends import django as backend

        self.backend = backend
        self.connection = connection
        self.depth = 0
        self.reset()
        original = backend.Template.render
        timer = self

        def render(template, context=None, request=None):
            timer.depth += 1
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return original(template, context, request)
            finally:
                timer.depth -= 1
                if not timer.depth:
                    timer.render += time.perf_counter() - start
                    timer.render_cpu += time.process_time() - cpu

        backend.Template.render = render
        connection.execute_wrappers.append(self._query)
        # The navigation's unread count is computed lazily, inside the render: timed apart.
        from notifications import context_processors

        count = context_processors.unread_count

        def unread_count(user):
            start = time.perf_counter()
            try:
                return count(user)
            finally:
                timer.unread += time.perf_counter() - start

        context_processors.unread_count = unread_count

    def _query(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.depth:
                self.render_sql += time.perf_counter() - start
                self.render_queries += 1

    def reset(self):
        self.render = self.render_cpu = self.render_sql = self.unread = 0.0
        self.render_queries = 0


class TemplateSwitch:
    """``use("before")`` renders from ``DIR`` first (a second engine, its own cached loader)."""

    def __init__(self, before_dir: str | None, before_libraries=None):
        from django.template import engines, loader

        self.loader = loader
        self.current = engines.all()
        self.variants = {"after": self.current}
        if before_dir:
            from django.conf import settings
            from django.template.backends.django import DjangoTemplates

            conf = dict(settings.TEMPLATES[0])
            params = {
                "NAME": "before",
                "DIRS": [Path(before_dir), *conf.get("DIRS", [])],
                "APP_DIRS": conf.get("APP_DIRS", False),
                "OPTIONS": {**conf.get("OPTIONS", {}), "libraries": dict(before_libraries or {})},
            }
            self.variants["before"] = [DjangoTemplates(params)]
        self._original = loader._engine_list

    def use(self, variant: str):
        engines_ = self.variants[variant]
        self.loader._engine_list = lambda using=None: engines_


def _url(page: str, user: dict, i: int) -> str:
    if page == "home":
        return "/"
    if page == "community":
        return f"/communities/{user['communities'][i % len(user['communities'])]}/"
    return f"/posts/{user['posts'][i % len(user['posts'])]}/"


def _stats(values):
    return f"{statistics.median(values):7.1f} {percentile(values, 95):7.1f}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--requests", type=int, default=60, help="per page (and per variant)")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--pages", default=",".join(PAGES))
    p.add_argument("--before", help="a directory of older templates to compare with")
    p.add_argument(
        "--before-libraries",
        help="with --before: tag libraries of that version, name=module,… (e.g. markings=old_markings; "
        "the module importable, e.g. through PYTHONPATH)",
    )
    p.add_argument("--profile", choices=PAGES)
    args = p.parse_args(argv)
    _setup(args.size)
    from django.test import Client

    pages = [x for x in args.pages.split(",") if x]
    users = _users(args.users)
    print(f"{len(users)} users; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    clients = []
    for u in users:
        c = Client()
        c.cookies["sessionid"] = u["cookie"]
        clients.append(c)
    timer = RenderTimer()
    libraries = dict(item.split("=", 1) for item in (args.before_libraries or "").split(",") if item)
    switch = TemplateSwitch(args.before, libraries)
    variants = list(switch.variants)
    # Warm-up: every template compiled and cached, the connection open, in both variants, and
    # every user's unread count in the cache (notifications/unread.py: the steady state).
    for variant in variants:
        switch.use(variant)
        for page in pages:
            for j, c in enumerate(clients):
                r = c.get(_url(page, users[j], 0))
                assert r.status_code == 200, (page, r.status_code)
    if len(variants) > 1:  # the same page in both versions: the same HTML, but for CSRF tokens?
        for page in pages:
            bodies = []
            for variant in variants:
                switch.use(variant)
                body = clients[0].get(_url(page, users[0], 0)).content.decode()
                bodies.append(CSRF.sub("", body))
            print(f"{page}: {'the same HTML' if bodies[0] == bodies[1] else 'HTML DIFFERS'} in both versions")
    prof = cProfile.Profile() if args.profile else None
    results = {
        (v, page): {"wall": [], "cpu": [], "render": [], "rcpu": [], "sql": [], "unread": [], "queries": []}
        for v in variants
        for page in pages
    }
    sizes = {}
    for i in range(args.requests):
        for page in pages:
            k = i % len(clients)
            order = variants if i % 2 == 0 else variants[::-1]
            for variant in order:
                switch.use(variant)
                timer.reset()
                profiling = prof is not None and page == args.profile and variant == variants[-1]
                cpu0, t0 = time.process_time(), time.perf_counter()
                if profiling:
                    prof.enable()
                r = clients[k].get(_url(page, users[k], i // len(clients)))
                if profiling:
                    prof.disable()
                wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                assert r.status_code == 200, (page, r.status_code)
                row = results[(variant, page)]
                row["wall"].append(wall * 1000)
                row["cpu"].append(cpu * 1000)
                row["render"].append(timer.render * 1000)
                row["rcpu"].append(timer.render_cpu * 1000)
                row["sql"].append(timer.render_sql * 1000)
                row["unread"].append(timer.unread * 1000)
                row["queries"].append(timer.render_queries)
                sizes.setdefault((variant, page), []).append(len(r.content))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.requests} requests per page and variant, {len(clients)} users, size {args.size}; median and p95, ms")
    print(
        f"{'page':<10} {'variant':<7} {'wall':>15} {'cpu':>15} {'render':>15} {'render cpu':>15}"
        f" {'render sql':>15} {'unread count':>15}"
        f" {'q in render':>11} {'bytes':>7}"
    )
    for page in pages:
        for variant in variants:
            row = results[(variant, page)]
            print(
                f"{page:<10} {variant:<7} {_stats(row['wall'])} {_stats(row['cpu'])} "
                f"{_stats(row['render'])} {_stats(row['rcpu'])} {_stats(row['sql'])} {_stats(row['unread'])} "
                f"{statistics.median(row['queries']):11.0f} "
                f"{statistics.median(sizes[(variant, page)]):7.0f}"
            )
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(40)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
