"""The authorization matrix (issue 7 item 3): every route of SPEC §6 × every role × every level.

The expected answers come from ``tests/security/matrix.py``, a table written
from the SPEC; nothing here calls the app's access functions. Every request
runs in a savepoint that is rolled back, so the cases are independent. On top
of the status code, every response is searched for the secret word of each
item the role may not see (zero leaks: not in a page, a list, an error or a
count), and listings must show the visible items they are meant to hold.
"""
import json

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from guardian.shortcuts import assign_perm
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from zeal import zeal_context, zeal_ignore

from communities.models import Role
from posts.models import Comment, Post, WikiPage
from tests.factories import CommunityFactory, UserFactory, add_member

from . import matrix as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    # Setting up is not what is under test: many single-row writes in loops.
    with zeal_ignore():
        return _build_world()


def _build_world():
    users = {}
    for role in m.ROLES:
        if role == "anonymous":
            continue
        users[role] = UserFactory(
            username=f"mx-{role.replace('_', '-')}",
            accepted_terms=role != "no_terms",
            is_superuser=role == "superuser",
            is_staff=role == "superuser",
        )
    officers, _ = Group.objects.get_or_create(name="Records officers")
    users["records_officer"].groups.add(officers)
    communities = {}
    for key, (visibility, ceiling) in m.COMMUNITIES.items():
        community = CommunityFactory(
            name=f"Matrix {key}", slug=key, visibility=visibility, ceiling=ceiling, description=""
        )
        for role, community_role in m.COMMUNITY_ROLE.items():
            add_member(community, users[role], Role(community_role))
        communities[key] = community
    posts = {}
    for item in m.POSTS:
        post = Post.objects.create(
            community=communities[item.community],
            author=users["author"],
            title=f"Matrixtoken {item.token}",
            body=f"<p>matrixtoken {item.token}</p>",
            classification=item.level,
            status=item.status,
        )
        Comment.objects.create(post=post, author=users["author"], body=f"<p>{item.token} comment</p>")
        if item.level == "strictly_confidential":
            assign_perm("posts.read_post", users["sc_reader"], post)
        posts[item] = post
    wiki = {}
    for item in m.WIKI_PAGES:
        page = WikiPage.objects.create(
            community=communities[item.community],
            author=users["author"],
            last_edited_by=users["author"],
            slug=item.key,
            title=f"Matrixtoken {item.token}",
            body=f"<p>matrixtoken {item.token}</p>",
            classification=item.level,
            status=item.status,
        )
        if item.level == "strictly_confidential":
            assign_perm("posts.read_wikipage", users["sc_reader"], page)
        wiki[item] = page
    return {"users": users, "communities": communities, "posts": posts, "wiki": wiki}


def _clients(world, api):
    with zeal_ignore():
        return _make_clients(world, api)


def _make_clients(world, api):
    clients = {}
    for role in m.ROLES:
        client = APIClient() if api else Client()
        if role != "anonymous":
            if api:
                # Real token auth: a fresh user object per request, as in production.
                token, _ = Token.objects.get_or_create(user=world["users"][role])
                client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            else:
                client.force_login(world["users"][role])
        clients[role] = client
    return clients


def _targets(route, world):
    if route.targets is None:
        return [(None, {})]
    if route.targets == "community":
        return [(key, {"slug": key}) for key in m.COMMUNITIES]
    if route.targets == "post":
        return [(item, {"id": world["posts"][item].pk}) for item in m.POSTS]
    return [(item, {"slug": item.community, "page": item.key}) for item in m.WIKI_PAGES]


def _body(route, target, world):
    body = route.body
    if body == "first-revision":
        return {"version": world["wiki"][target].history.order_by("history_id").first().history_id}
    if callable(body):
        return body(target)
    return body


def _answer(response, api):
    """What the app answered, in the table's words."""
    code = response.status_code
    location = response.get("Location", "")
    if code == 302 and location.startswith("/accounts/login/?next="):
        return m.LOGIN
    if code == 302 and location.startswith("/admin/login/"):
        return m.ADMIN_LOGIN
    if code == 302 and location.startswith("/terms/?next="):
        return m.TERMS
    if api and code in (401, 403):
        try:
            payload = response.json()
        except (ValueError, json.JSONDecodeError):
            payload = {}
        if payload.get("code") == "terms_not_accepted":
            return m.TERMS
        if payload.get("code") == "not_authenticated":
            return m.UNAUTHENTICATED
    return str(code)


def _content(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", "replace")


def _listed_items(route):
    if route.list_kind == "post":
        return m.POSTS
    if route.list_kind == "wiki":
        return m.WIKI_PAGES
    return m.POSTS + m.WIKI_PAGES


def _all_items():
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
                got = _answer(response, api)
                where = f"{route.method} {url} as {role}"
                if got != want:
                    failures.append(f"{where}: expected {want}, got {got}")
                text = _content(response)
                # Zero leaks: nothing of an item the role may not see, in any answer.
                for item in _all_items():
                    if role != "anonymous" and m.item_visible(role, item):
                        continue
                    if item.token in text:
                        failures.append(f"{where}: LEAK of {item}")
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


def _answer_with_moderation_login(response, api):
    """``_answer``, also naming the owners' AdminSite's login redirect (``/moderation/login/?next=``)."""
    if not api and response.status_code == 302 and response.get("Location", "").startswith("/moderation/login/?next="):
        return m.MODERATION_LOGIN
    return _original_answer(response, api)


_original_answer, _answer = _answer, _answer_with_moderation_login  # run_matrix looks _answer up when called
