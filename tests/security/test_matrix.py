"""The authorization matrix: every route of SPEC §6 × every role × every level.

The expected answers come from ``tests/security/matrix.py``, a table written
from the SPEC; nothing here calls the app's access functions. Every request
runs in a savepoint that is rolled back, so the cases are independent. On top
of the status code, every response is searched for the secret word of each
item the role may not see (zero leaks: not in a page, a list, an error or a
count), and listings must show the visible items they are meant to hold.
"""
import pytest
from django.db import transaction
from zeal import zeal_context

from . import matrix as m
from .world import answer, build_world, clients, content, leaks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _clients(world, api):
    return clients(world, api)


def _targets(route, world):
    if route.targets is None:
        return [(None, {"missing": m.MISSING})]
    if route.targets == "community":
        return [(key, {"slug": m.slug(key), "export": world["exports"][key].pk, "missing": m.MISSING})
                for key in m.COMMUNITIES]
    if route.targets == "post":
        return [(item, {"id": world["posts"][item].pk, "comment": world["comments"][item].pk,
                        "tag": f"{item.token}tag", "missing": m.MISSING}) for item in m.POSTS]
    return [(item, {"slug": m.slug(item.community), "page": m.page_slug(item), "missing": m.MISSING,
                     "version": world["wiki"][item].history.order_by("history_id").first().history_id})
            for item in m.WIKI_PAGES]


def _body(route, target, world):
    body = route.body
    if body == "first-revision":
        return {"version": world["wiki"][target].history.order_by("history_id").first().history_id}
    if callable(body):
        return body(target)
    return body


def _listed_items(route):
    if route.list_kind == "post":
        return m.POSTS
    if route.list_kind == "wiki":
        return m.WIKI_PAGES
    return m.POSTS + m.WIKI_PAGES


def run_matrix(world, routes, api, report):
    clients = _clients(world, api)
    users = world["users"]
    failures = []
    cases = 0
    for route in routes:
        for target, params in _targets(route, world):
            path = route.path.format(
                **params, outsider=users["outsider"].username, author=users["author"].username
            )
            url = f"/api/v1/{path}" if api else path
            body = _body(route, target, world)
            for role in m.ROLES:
                want = m.expected(route, role, target, api)
                client = clients[role]
                # A zeal context per request: N+1 inside one request fails, the same
                # session lookup in two requests does not.
                with zeal_context(), transaction.atomic():
                    kwargs = {"format": "json"} if api and body is not None else {}
                    if body is not None:
                        kwargs["data"] = body
                    response = getattr(client, route.method.lower())(url, **kwargs)
                    transaction.set_rollback(True)
                cases += 1
                got = answer(response, api)
                where = f"{route.method} {url} as {role}"
                if (got not in want) if isinstance(want, tuple) else (got != want):
                    failures.append(f"{where}: expected {want}, got {got}")
                text = content(response)
                # Zero leaks: nothing of an item or community the role may not see, in any answer.
                for what in leaks(role, text, asked=f"{url} {body}"):
                    failures.append(f"{where}: LEAK of {what}")
                if route.lists and got == m.OK and route.list_scope is not None:
                    for item in _listed_items(route):
                        if item.status != "published":
                            continue  # held-back items may or may not be listed to those who see them
                        if route.list_scope == "community":
                            should = m.in_community(role, item, target)
                        else:
                            should = route.list_scope(role, item)
                        if should and item.token not in text:
                            failures.append(f"{where}: {item} missing from the listing")
    report.append(cases)
    print(f"{cases} cases ({'API' if api else 'HTML'})")
    return failures


@pytest.fixture
def report(request):
    counts = []
    yield counts
    request.config.stash.setdefault(m.MATRIX_CASES, []).extend(counts)


def test_every_html_route_answers_every_role_as_the_table_says(world, report):
    failures = run_matrix(world, m.HTML_ROUTES, api=False, report=report)
    assert not failures, "\n".join(failures)


def test_every_api_route_answers_every_role_as_the_table_says(world, report):
    failures = run_matrix(world, m.API_ROUTES, api=True, report=report)
    assert not failures, "\n".join(failures)


def test_the_table_itself_follows_spec_2_2():
    """A few rows read straight from SPEC §2.2, so that the table cannot drift."""
    sc = m.Item("x", "restricted", "strictly_confidential")
    assert [r for r in m.ROLES if r != "anonymous" and m.item_visible(r, sc)] == [
        "no_terms", "owner", "sc_reader", "author"
    ]
    assert not m.item_visible("moderator", sc) and not m.item_visible("superuser", sc)
    assert not any(m.item_visible(r, m.Item("y", "open", "unclassified", "withdrawn")) for r in m.ROLES)
    assert m.item_visible("outsider", m.Item("z", "open", "unclassified"))
    assert not m.community_visible("superuser", "restricted")
