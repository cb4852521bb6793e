"""A red-team crawl (SPEC §2.2): each role follows every same-site link it can reach and meets nothing
of what it may not see.

For each role, starting at ``/``, ``/admin/``, ``/moderation/`` and ``/records/``, breadth-first: every
``<a href>`` and every GET form's action (without its fields) of every page the role gets, and the
target of every same-site redirect, up to ``CAP`` pages per role (at most ``PER_PATH`` query strings
per path, so that sort orders and filters do not eat the budget). GET only, each request in a
rolled-back savepoint; logout skipped. Every answer is searched for the secret words of the world
(``world.leaks``: items, tags, flag notes, moderation reasons, restricted communities) that the role
may not see, and no answer may be a 500. The number of pages per role is printed in the summary.
"""
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.db import transaction
from zeal import zeal_ignore

from . import matrix as m
from .world import build_world, clients, content, leaks

pytestmark = pytest.mark.django_db

CAP = 250
PER_PATH = 3
STARTS = ("/", "/admin/", "/moderation/", "/records/")
ROLES = ("outsider", "member", "moderator", "owner", "sc_reader", "author", "records_officer", "superuser")
SKIP = ("/logout/", "/static/", "/media/", "/i18n/setlang/")

# (id, reason, predicate over a failure) — strict xfails, as in test_admin_matrix.KNOWN.
KNOWN = [
    # (id, reason, predicate): a leak found and not yet fixed, as a strict xfail. None today.
]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.links.append(attrs.get("action") or "")


def _same_site(base, href):
    url, _fragment = urldefrag(urljoin(base, href))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path or "/"
    if any(s in path for s in SKIP):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def crawl(client, role):
    """Breadth-first from the starts; returns (pages fetched, failures)."""
    queue = deque(STARTS)
    seen = set(STARTS)
    per_path = {}
    failures = []
    pages = 0
    while queue and pages < CAP:
        url = queue.popleft()
        with zeal_ignore(), transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        pages += 1
        if response.status_code >= 500:
            failures.append({"role": role, "url": url, "message": f"{url} as {role}: {response.status_code}"})
        text = content(response)
        for what in leaks(role, text, asked=url):
            failures.append({"role": role, "url": url, "message": f"{url} as {role}: LEAK of {what}"})
        found = []
        if response.status_code in (301, 302) and response.get("Location"):
            found.append(response["Location"])
        elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = _Links()
            parser.feed(text)
            found.extend(parser.links)
        for href in found:
            nxt = _same_site(url, href)
            if nxt is None or nxt in seen:
                continue
            path = nxt.split("?")[0]
            if "?" in nxt:
                if per_path.get(path, 0) >= PER_PATH:
                    continue
                per_path[path] = per_path.get(path, 0) + 1
            seen.add(nxt)
            queue.append(nxt)
    return pages, failures


_RESULTS = {}


def _results(request):
    if not _RESULTS:
        world = build_world()
        made = clients(world, api=False)
        for role in ROLES:
            made[role].raise_request_exception = False  # a 500 is a finding of its page, not the end
            _RESULTS[role] = crawl(made[role], role)
        request.config.stash.setdefault(m.CRAWLED, {}).update({r: n for r, (n, _f) in _RESULTS.items()})
    return _RESULTS


def _known(failure):
    return [k for k, _reason, pred in KNOWN if pred(failure)]


@pytest.mark.parametrize("role", ROLES)
def test_a_role_crawling_every_link_it_can_reach_meets_nothing_it_may_not_see(role, request):
    pages, failures = _results(request)[role]
    unknown = [f["message"] for f in failures if not _known(f)]
    assert not unknown, f"{len(unknown)} failures in {pages} pages:\n" + "\n".join(unknown[:100])
    assert pages > len(STARTS), f"{role} reached nothing beyond the start pages"


if KNOWN:  # a strict xfail per known leak: XPASS (red) tells whoever fixes it to remove its entry

    @pytest.mark.parametrize(
        "known", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=reason), id=k) for k, reason, _p in KNOWN]
    )
    def test_known_crawl_leak_is_gone(known, request):
        failures = [f for _pages, fs in _results(request).values() for f in fs if known in _known(f)]
        assert not failures, "\n".join(f["message"] for f in failures[:50])
