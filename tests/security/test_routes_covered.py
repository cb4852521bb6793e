"""Every route of the URL conf has a row in the authorization matrix (tests/security/matrix.py).

The URL conf is walked recursively (``get_resolver()``, both admin sites included); every leaf
pattern must be reached by a row of ``matrix.HTML_ROUTES``, ``matrix.API_ROUTES`` or the rows
generated for the admin sites (``admin_matrix.admin_cases``), or be listed in ``EXEMPT`` below with
the reason it holds nothing the access rule decides. A new view without a row fails here.
"""
from urllib.parse import urlsplit

import pytest
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from . import admin_matrix as am
from . import matrix as m
from .world import build_world

# route (as Django spells it) -> why it needs no row. Keep this short: each entry is a page nobody tests.
EXEMPT = {
    "i18n/setlang/": (
        "POST: sets the language cookie (and a signed-in person's own language), redirects to a "
        "same-site next; reads nothing"
    ),
    "accounts/password_reset/done/": "a static 'check your mail' page",
    "accounts/reset/done/": "a static 'password set' page",
    "accounts/reset/<uidb64>/<token>/": "Django's token-checked reset form; names no content",
}


def _join(route1, route2):
    # Django's URLResolver._join_route: how ResolverMatch.route spells a nested route.
    return route2 if not route1 else route1 + route2.removeprefix("^")


def all_routes():
    routes = set()

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            route = _join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                walk(pattern, route)
            else:
                routes.add(route)

    walk(get_resolver(), "")
    return routes


SAMPLE = {"slug": "qcopenzz", "id": 1, "page": "qxw1zz", "outsider": "mx-outsider", "author": "mx-author",
          "comment": 1, "tag": "qxp1zztag", "missing": m.MISSING,
          "version": 1, "export": 1}


def route_of(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).route
    except Resolver404:
        return f"(no route for {path})"


def covered_routes(world):
    covered = set()
    for route in m.HTML_ROUTES:
        covered.add(route_of(route.path.format(**SAMPLE)))
    for route in m.API_ROUTES:
        covered.add(route_of("/api/v1/" + route.path.format(**SAMPLE)))
    for case in am.admin_cases(world):
        covered.add(route_of(case.path))
    return covered


@pytest.mark.django_db
def test_every_route_of_the_url_conf_has_a_matrix_row_or_a_stated_exemption():
    routes = all_routes()
    covered = covered_routes(build_world())
    missing = sorted(routes - covered - set(EXEMPT))
    assert not missing, f"{len(missing)} routes have no row in the authorization matrix:\n" + "\n".join(missing)


def test_every_exemption_is_still_a_route():
    assert set(EXEMPT) <= all_routes(), set(EXEMPT) - all_routes()


def test_the_walk_sees_both_admin_sites_and_their_shortcuts():
    routes = all_routes()
    assert {"admin/", "moderation/", "api/v1/posts/$"} <= routes
    assert any(r.startswith("admin/posts/post/") for r in routes)
    assert any(r.startswith("moderation/moderation/moderatedpost/") for r in routes)
