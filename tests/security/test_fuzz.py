"""Fuzzing every form and every API write: no 500, no change on rejected input.

hypothesis sends random field values (plausible ones, junk, wrong types,
unknown keys) to every HTML form and random JSON bodies to every API write,
as users whose role lets the input reach the validators (the owner, the
author). Two things must hold for every input:

* no 500 (the test client re-raises any exception a view lets escape);
* input the app rejects (4xx, a form shown again with errors, or a redirect
  carrying an error message) changes nothing: the rows of every content
  table are hashed before and after.

Bounded (a few dozen examples per target) so that the whole file stays well
under a minute. The schemathesis run against /api/v1/schema/ is in
``test_schemathesis.py``.
"""
import hashlib
import json

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from zeal import zeal_context, zeal_ignore

from communities.models import Role
from posts import services as post_services
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.tokens import create_token

pytestmark = pytest.mark.django_db

EXAMPLES = 25
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
# Tables whose rows a rejected input must leave alone. View logs (a page shown
# again with its errors is a view) and sessions are not content.
WATCHED_APPS = ("communities", "posts", "unisocial", "moderation", "records", "feed", "notifications")
NOT_WATCHED = {"accesslog", "session"}
# Columns a refused request may still write: when an API token was last used (noted as it authenticates).
NOT_WATCHED_FIELDS = {("unisocial.apitoken", "last_used")}


def db_state() -> str:
    digest = hashlib.sha256()
    with zeal_ignore():
        for app in WATCHED_APPS:
            try:
                models = apps.get_app_config(app).get_models()
            except LookupError:
                continue
            for model in sorted(models, key=lambda m: m._meta.label):
                if model._meta.model_name in NOT_WATCHED or model._meta.proxy:
                    continue
                label = model._meta.label_lower
                columns = [f.attname for f in model._meta.concrete_fields if (label, f.name) not in NOT_WATCHED_FIELDS]
                rows = list(model._default_manager.order_by("pk").values_list(*columns))
                digest.update(model._meta.label.encode())
                digest.update(repr(rows).encode())
    return digest.hexdigest()


# --- strategies ----------------------------------------------------------------------------

junk = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="<>\"'&;/\\:=%\x00\u202e", max_size=40),
    st.sampled_from(["", " ", "0", "-1", "9" * 30, "true", "null", "<script>alert(1)</script>",
                     "javascript:alert(1)", "../../etc/passwd", "a" * 5000, "\ud7ff", "@amina"]),
)


def field(*plausible):
    return st.one_of(st.sampled_from(plausible), junk) if plausible else junk


def form_data(fields: dict):
    """Each field: absent, plausible or junk; plus a few unknown keys."""
    parts = {name: st.one_of(st.none(), strategy) for name, strategy in fields.items()}
    extra = st.dictionaries(st.text(min_size=1, max_size=12), junk, max_size=2)
    return st.tuples(st.fixed_dictionaries(parts), extra).map(
        lambda pair: {**pair[1], **{k: v for k, v in pair[0].items() if v is not None}}
    )


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=60)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=10), children,
                                                                              max_size=3)),
    max_leaves=8,
)


def json_body(fields: dict):
    """A JSON object: known keys with plausible or random values, unknown keys; or any JSON at all."""
    parts = {name: st.one_of(st.none(), st.sampled_from(values) if values else json_value, json_value)
             for name, values in fields.items()}
    known = st.fixed_dictionaries({}, optional=parts)
    return st.one_of(
        known,
        st.tuples(known, st.dictionaries(st.text(max_size=10), json_value, max_size=2)).map(
            lambda pair: {**pair[1], **pair[0]}
        ),
        json_value,
    )


LEVELS = ("unclassified", "confidential", "strictly_confidential")
COMMUNITY_FIELDS = {
    "name": field("Fuzz community", "x"),
    "slug": field("fuzz", "fuzz-2", "new"),
    "description": field("d"),
    "purpose": field("p"),
    "objectives": field("o"),
    "intended_audience": field("all"),
    "risk_assessment": field("low"),
    "visibility": field("open", "moderated", "restricted"),
    "ceiling": field(*LEVELS),
    "guidelines": field("be kind"),
    "premoderation": field("on", "true", "false"),
    "auto_hide_threshold": field("3", "0", "-5", "1000000000000"),
}
CONTENT_FIELDS = {
    "title": field("A title"),
    "body": field("**hello** @olena", "<p>x</p>"),
    "body_format": field("markdown", "html", "rtf"),
    "classification": field(*LEVELS),
    "readers": field("olena", "olena, ghost", "amina"),
    "reason": field("declassified"),
}


@pytest.fixture
def world():
    with zeal_ignore():
        owner = UserFactory(username="olena")
        amina = UserFactory(username="amina")
        restricted = CommunityFactory(slug="vault", visibility="restricted")
        moderated = CommunityFactory(slug="field", visibility="moderated")
        for community in (restricted, moderated):
            add_member(community, owner, Role.OWNER)
            add_member(community, amina, Role.MEMBER)
        post, _ = post_services.post_create(
            actor=owner, community=restricted, title="Fuzzed", body="b", classification="confidential"
        )
        wiki, _ = post_services.wiki_create(
            actor=owner, community=restricted, title="Guide", slug="guide", body="b", classification="confidential"
        )
    return {"owner": owner, "amina": amina, "vault": restricted, "field": moderated, "post": post, "wiki": wiki}


def _has_error_message(response) -> bool:
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(m.level >= message_levels.WARNING for m in queued)


def html_rejected(response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code == 200:  # the form again, with its errors
        return True
    return response.status_code == 302 and _has_error_message(response)


def post_form(client, url, data):
    before = db_state()
    with zeal_context():
        response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    if html_rejected(response):
        assert db_state() == before, f"rejected input changed the database: {url} {data!r}"
    return response


def _html(user):
    client = Client()
    client.force_login(user)
    return client


# --- HTML forms ------------------------------------------------------------------------------


def test_community_forms_survive_random_input(world):
    client = _html(world["owner"])

    @FUZZ
    @given(data=form_data(COMMUNITY_FIELDS), editing=st.booleans())
    def run(data, editing):
        post_form(client, "/communities/vault/edit/" if editing else "/communities/new/", data)

    run()


def test_post_and_wiki_forms_survive_random_input(world):
    client = _html(world["owner"])
    post = world["post"]
    urls = [
        "/posts/new/?community=vault",
        "/posts/new/?community=field",
        f"/posts/{post.pk}/edit/",
        "/communities/vault/wiki/new/",
        "/communities/vault/wiki/guide/edit/",
    ]
    fields = {**CONTENT_FIELDS, "tags": field("a, b", "x" * 300), "slug": field("guide", "new-page", "new")}

    @FUZZ
    @given(url=st.sampled_from(urls), data=form_data(fields), preview=st.booleans())
    def run(url, data, preview):
        if preview:
            data = {**data, "preview": "1"}
        post_form(client, url, data)

    run()


def test_comment_terms_and_member_forms_survive_random_input(world):
    client = _html(world["owner"])
    post = world["post"]
    targets = {
        f"/posts/{post.pk}/comments/": {"body": field("Thanks @amina"), "parent": field("1", "999999", "x")},
        "/terms/": {"version": field("1", "2026-1"), "next": field("/", "https://evil.example/")},
        "/communities/vault/members/add/": {
            "add-username": field("amina", "ghost", "olena"),
            "add-role": field("member", "moderator", "owner", "king"),
            "add-end_date": field("2030-01-01", "2000-01-01", "31/31/2031"),
        },
        "/communities/vault/members/amina/role/": {
            "role": field("member", "moderator", "owner"),
            "end_date": field("2030-01-01", "1999-12-31"),
        },
        "/communities/vault/wiki/guide/revert/": {"version": field("1", "0", "-1", "abc")},
    }

    @FUZZ
    @given(url=st.sampled_from(sorted(targets)), data=st.data())
    def run(url, data):
        post_form(client, url, data.draw(form_data(targets[url])))

    run()


# --- API writes ------------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    _row, token = create_token(user, "fuzz")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def send_json(client, method, url, body):
    before = db_state()
    with zeal_context():
        response = getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (method, url, body)
    if 400 <= response.status_code < 500:
        assert db_state() == before, f"rejected input changed the database: {method} {url} {body!r}"
    return response


def test_api_writes_survive_random_json(world):
    client = _api(world["owner"])
    post, wiki = world["post"], world["wiki"]
    endpoints = {
        ("post", "/api/v1/communities/"): {**{k: None for k in COMMUNITY_FIELDS},
                                           "visibility": ["open", "moderated", "restricted"],
                                           "ceiling": list(LEVELS)},
        ("patch", "/api/v1/communities/vault/"): {"name": None, "description": None, "visibility": None,
                                                  "ceiling": list(LEVELS), "premoderation": None},
        ("post", "/api/v1/communities/field/join/"): {},
        ("put", "/api/v1/communities/vault/members/amina/"): {"role": ["member", "moderator", "owner"],
                                                             "expires_at": ["2030-01-01T00:00:00Z"]},
        ("post", "/api/v1/posts/"): {"community": ["vault", "field", "nope"], "title": None, "body": None,
                                     "classification": list(LEVELS), "readers": [["amina"], ["ghost"]],
                                     "tags": [["a"], []]},
        ("patch", f"/api/v1/posts/{post.pk}/"): {"title": None, "body": None, "classification": list(LEVELS),
                                                  "reason": None, "readers": [["amina"]]},
        ("post", f"/api/v1/posts/{post.pk}/comments/"): {"body": None, "parent": [1, 999999]},
        ("post", "/api/v1/communities/vault/wiki/"): {"slug": ["guide", "new"], "title": None, "body": None,
                                                      "classification": list(LEVELS)},
        ("put", "/api/v1/communities/vault/wiki/guide/"): {"title": None, "body": None,
                                                           "classification": list(LEVELS), "reason": None},
        ("post", "/api/v1/communities/vault/wiki/guide/revert/"): {"version": [wiki.history.first().history_id,
                                                                               0, -1]},
        ("post", "/api/v1/me/accept-terms/"): {},
    }

    @FUZZ
    @given(target=st.sampled_from(sorted(endpoints)), data=st.data())
    def run(target, data):
        method, url = target
        send_json(client, method, url, data.draw(json_body(endpoints[target])))

    run()


def test_api_rejects_malformed_bodies_without_a_500(world):
    client = _api(world["owner"])
    for url in ("/api/v1/posts/", "/api/v1/communities/", f"/api/v1/posts/{world['post'].pk}/comments/"):
        for raw, content_type in (
            ("{", "application/json"),
            ("[]", "application/json"),
            ("null", "application/json"),
            ("\xff\xfe", "application/json"),
            ("a=1", "application/x-www-form-urlencoded"),
            ("<x/>", "application/xml"),
        ):
            before = db_state()
            with zeal_context():
                response = client.generic("POST", url, raw, content_type=content_type)
            assert 400 <= response.status_code < 500, (url, raw, response.status_code)
            assert db_state() == before
