"""Existence oracles (SPEC §2.2 "invisible means nonexistent").

Every form and API that enforces uniqueness (and, later, every redirect or shortcut) must
answer the same whether or not a colliding object the requester cannot see exists. Each
row of ``CASES`` is one surface:

* ``setup(world)`` builds what both runs share and returns the request's parameters;
* ``hide(world)`` creates the colliding object the actor cannot see;
* ``request(client, world)`` is the actor's request;
* ``compare`` says what the run with the hidden object is compared with:
  ``"absent"`` — the same request when the object does not exist at all (the answer must
  not depend on it); ``"visible"`` — the same request when a *visible* object holds the
  same value: for addresses (slugs), which must be unique across every community or page
  and are therefore not secret (the forms say so), the promise is only that a hidden holder
  gets exactly the answer any other holder gets, naming nothing.

Responses are compared byte for byte after normalising what changes from run to run by
itself (CSRF tokens, database ids, timestamps): status, the headers that matter
(``Location``, ``Content-Type``) and the body. Each run happens in a savepoint that is
rolled back, so the two runs start from the same database.

``test_every_uniqueness_rule_has_a_row`` introspects the models: a unique field or
``UniqueConstraint`` with no row here and no reasoned entry in ``EXEMPT`` fails the suite,
so a new unique rule must come with its oracle test.

**To add a surface** (the admin "view on site" shortcuts are below, in the section
"Redirects and shortcuts"), append a ``Case`` to ``CASES`` with the uniqueness
rules (``covers``) it exercises, or none for a redirect.
"""

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import models, transaction
from rest_framework.test import APIClient

from communities import services as community_services
from communities.models import Community, Role
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

pytestmark = pytest.mark.django_db

SC = Level.STRICTLY_CONFIDENTIAL


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """A restricted community ("board") whose plain member is the actor; its author writes
    what the actor cannot see; an outsider owns a restricted community the actor is not in."""
    board = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board", name="Board")
    people = {n: UserFactory(username=n) for n in ("owner", "author", "actor", "outsider")}
    add_member(board, people["owner"], Role.OWNER)
    add_member(board, people["author"])
    add_member(board, people["actor"])
    mine = CommunityFactory(visibility=Visibility.OPEN, slug="mine", name="Mine")
    add_member(mine, people["actor"], Role.OWNER)
    return {"board": board, "mine": mine, **people}


def html_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- how two answers are compared ---------------------------------------------------------------------

VOLATILE_JSON_KEYS = {"id", "created_at", "updated_at", "history_date", "last_activity_at"}


def _scrub_json(value):
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in VOLATILE_JSON_KEYS else _scrub_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    return value


def answer(response) -> dict:
    """What a requester learns from a response, minus what differs between any two runs."""
    body = response.content.decode()
    content_type = response.get("Content-Type", "")
    if "json" in content_type and body:
        body = json.dumps(_scrub_json(json.loads(body)), sort_keys=True)
    else:
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', body)
        # Ids come from sequences every community shares: not what this test is about.
        body = re.sub(r"((?:posts?|comment)[/-])\d+", r"\1<id>", body)
        body = re.sub(r'<time datetime="[^"]*"[^>]*>[^<]*</time>', "<time>", body)
    location = re.sub(r"/posts/\d+/", "/posts/<id>/", response.get("Location", ""))
    return {"status": response.status_code, "location": location, "type": content_type, "body": body}


# --- the cases -----------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    request: Callable
    hide: Callable
    compare: str = "absent"  # or "visible": see the module docstring
    show: Callable | None = None  # for "visible": the visible holder of the same value
    covers: tuple = ()  # the uniqueness rules ("app.Model.field" or a constraint name) it proves
    marks: list = field(default_factory=list)


HIDDEN_BATCH = 424242


def _hidden_batch(w):
    """A disposition batch holding an item of a restricted community the actor is not in."""
    from django.utils import timezone

    from records.models import BatchCommunity, BatchItem, DispositionBatch, RetentionSchedule

    falcon = _restricted_community(w, "Falcon inquiry", "falcon")
    schedule = RetentionSchedule.objects.create(name="Oracle", content_type="post", retain_days=1,
                                                disposition="destroy")
    batch = DispositionBatch.objects.create(pk=HIDDEN_BATCH, schedule=schedule, as_of=timezone.now(), total=1)
    BatchCommunity.objects.create(batch=batch, community_id=falcon.pk, community_slug="falcon")
    BatchItem.objects.create(batch=batch, target_type="post", target_id=1, classification="unclassified",
                             community_id=falcon.pk, last_activity_at=timezone.now())
    return (falcon,)


def _sc_page(w, title, **extra):
    page, _ = services.wiki_create(
        actor=w["author"], community=w["board"], title=title, classification=SC, **extra
    )
    return page


def _restricted_community(w, name, slug):
    return community_services.community_create(
        actor=w["outsider"], name=name, slug=slug, purpose="Need to know",
        visibility=Visibility.RESTRICTED, ceiling=SC,
    )


def _open_community(w, name, slug):
    return community_services.community_create(
        actor=w["outsider"], name=name, slug=slug, purpose="All welcome",
        visibility=Visibility.OPEN, ceiling=Level.UNCLASSIFIED,
    )


WIKI_FORM = {"body": "mine", "body_format": "markdown", "classification": "confidential"}
COMMUNITY_FORM = {
    "description": "", "purpose": "Ours", "objectives": "", "intended_audience": "",
    "risk_assessment": "", "visibility": Visibility.OPEN, "ceiling": Level.UNCLASSIFIED,
    "guidelines": "", "auto_hide_threshold": 3,
}


EXPORT_ID = 777001  # the id the actor asks for under their own community "mine"


def _hidden_export(w, community, owner):
    from records.models import CommunityExport

    return CommunityExport.objects.create(pk=EXPORT_ID, community=community, requested_by=owner,
                                          state="done", file="exports/never-read.zip", size=1)


HIDDEN_TOKEN = 515151


def _hidden_token(w):
    from unisocial.models import ApiToken

    row, _token = ApiToken.objects.create(user=w["outsider"], name="outsider's nightly script", pk=HIDDEN_TOKEN)
    return row


def _token_request(w, surface):
    """The actor asks for, or to revoke, token HIDDEN_TOKEN (the outsider's) on one surface."""
    return {
        "html-list": lambda: html_client(w["actor"]).get("/settings/tokens/"),
        "html-revoke": lambda: html_client(w["actor"]).post(f"/settings/tokens/{HIDDEN_TOKEN}/revoke/"),
        "api-list": lambda: api_client(w["actor"]).get("/api/v1/me/tokens/"),
        "api-revoke": lambda: api_client(w["actor"]).delete(f"/api/v1/me/tokens/{HIDDEN_TOKEN}/"),
    }[surface]()


def _co_owner(w):
    add_member(w["mine"], w["outsider"], Role.OWNER)
    return w["outsider"]


def _export_request(w, surface):
    """The actor, an owner of "mine", asks for export EXPORT_ID of "mine" on one surface."""
    base = f"/communities/mine/exports/{EXPORT_ID}/"
    return {
        "html-page": lambda: html_client(w["actor"]).get(base),
        "html-progress": lambda: html_client(w["actor"]).get(base + "progress.json"),
        "html-download": lambda: html_client(w["actor"]).get(base + "download/"),
        "api-detail": lambda: api_client(w["actor"]).get("/api/v1" + base),
        "api-download": lambda: api_client(w["actor"]).get("/api/v1" + base + "download/"),
    }[surface]()


def _hidden_tagged_post(w, tag):
    post, _ = services.post_create(
        actor=w["author"], community=w["board"], title="Secret", classification=SC, tags=[tag]
    )
    return post


CASES = [
    # -- wiki page addresses (posts.WikiPage: community + slug) --
    Case(
        "wiki-create-html-title-of-a-strictly-confidential-page",
        request=lambda w: html_client(w["actor"]).post(
            "/communities/board/wiki/new/", {"title": "Merger plan", **WIKI_FORM}
        ),
        hide=lambda w: _sc_page(w, "Merger plan"),
        covers=("wiki_slug_unique_in_community",),
    ),
    Case(
        "wiki-create-api-title-of-a-strictly-confidential-page",
        request=lambda w: api_client(w["actor"]).post(
            "/api/v1/communities/board/wiki/",
            {"title": "Merger plan", "classification": "confidential"}, format="json",
        ),
        hide=lambda w: _sc_page(w, "Merger plan"),
        covers=("wiki_slug_unique_in_community",),
    ),
    Case(
        "wiki-create-html-explicit-address-held-by-a-hidden-page",
        request=lambda w: html_client(w["actor"]).post(
            "/communities/board/wiki/new/", {"title": "Mine", "slug": "merger", **WIKI_FORM}
        ),
        hide=lambda w: _sc_page(w, "Merger plan", slug="merger"),
        compare="visible",
        show=lambda w: services.wiki_create(
            actor=w["author"], community=w["board"], title="Open", slug="merger",
            classification="confidential",
        ),
        covers=("wiki_slug_unique_in_community",),
    ),
    Case(
        "wiki-create-api-explicit-address-held-by-a-hidden-page",
        request=lambda w: api_client(w["actor"]).post(
            "/api/v1/communities/board/wiki/",
            {"title": "Mine", "slug": "merger", "classification": "confidential"}, format="json",
        ),
        hide=lambda w: _sc_page(w, "Merger plan", slug="merger"),
        compare="visible",
        show=lambda w: services.wiki_create(
            actor=w["author"], community=w["board"], title="Open", slug="merger",
            classification="confidential",
        ),
        covers=("wiki_slug_unique_in_community",),
    ),
    Case(
        # A page raised to strictly confidential leaves its title-made address for a random
        # one, so a new page of the same title takes the plain address either way.
        "wiki-create-title-of-a-page-raised-to-strictly-confidential",
        request=lambda w: html_client(w["actor"]).post(
            "/communities/board/wiki/new/", {"title": "Merger plan", **WIKI_FORM}
        ),
        hide=lambda w: services.item_reclassify(
            actor=w["author"],
            item=services.wiki_create(
                actor=w["author"], community=w["board"], title="Merger plan",
                classification="confidential",
            )[0],
            classification=SC,
        ),
        covers=("wiki_slug_unique_in_community",),
    ),
    # -- community names (not unique: refused only when a visible community bears it) --
    Case(
        "community-create-html-name-of-a-restricted-community",
        request=lambda w: html_client(w["actor"]).post(
            "/communities/new/", {"name": "Falcon inquiry", "slug": "falcon-x", **COMMUNITY_FORM}
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
        covers=("communities.Community.name",),
    ),
    Case(
        "community-create-api-name-of-a-restricted-community",
        request=lambda w: api_client(w["actor"]).post(
            "/api/v1/communities/",
            {"name": "Falcon inquiry", "slug": "falcon-x", "purpose": "Ours",
             "visibility": "open", "ceiling": "unclassified"}, format="json",
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
        covers=("communities.Community.name",),
    ),
    Case(
        "community-rename-html-to-the-name-of-a-restricted-community",
        request=lambda w: html_client(w["actor"]).post(
            "/communities/mine/edit/", {"name": "Falcon inquiry", **COMMUNITY_FORM}
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
        covers=("communities.Community.name",),
    ),
    Case(
        "community-rename-api-to-the-name-of-a-restricted-community",
        request=lambda w: api_client(w["actor"]).patch(
            "/api/v1/communities/mine/", {"name": "Falcon inquiry"}, format="json"
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
        covers=("communities.Community.name",),
    ),
    # -- community addresses (unique everywhere: not secret, one answer for any holder) --
    Case(
        "community-create-html-address-of-a-restricted-community",
        request=lambda w: html_client(w["actor"]).post(
            "/communities/new/", {"name": "Ours", "slug": "falcon", **COMMUNITY_FORM}
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
        compare="visible",
        show=lambda w: _open_community(w, "Falcon club", "falcon"),
        covers=("communities.Community.slug",),
    ),
    Case(
        "community-create-api-address-of-a-restricted-community",
        request=lambda w: api_client(w["actor"]).post(
            "/api/v1/communities/",
            {"name": "Ours", "slug": "falcon", "purpose": "Ours", "visibility": "open",
             "ceiling": "unclassified"}, format="json",
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
        compare="visible",
        show=lambda w: _open_community(w, "Falcon club", "falcon"),
        covers=("communities.Community.slug",),
    ),
    # -- tags (unique name and slug, shared by every community) --
    Case(
        "post-create-api-tag-only-a-hidden-post-carries",
        request=lambda w: api_client(w["actor"]).post(
            "/api/v1/posts/",
            {"community": "mine", "title": "Hello", "tags": ["project falcon"]}, format="json",
        ),
        hide=lambda w: _hidden_tagged_post(w, "Project FALCON"),
        covers=("posts.Tag.name", "posts.Tag.slug"),
    ),
    Case(
        "post-create-html-tag-only-a-hidden-post-carries",
        request=lambda w: html_client(w["actor"]).post(
            "/posts/new/?community=mine",
            {"title": "Hello", "body": "x", "body_format": "markdown", "tags": "project falcon"},
            follow=True,
        ),
        hide=lambda w: _hidden_tagged_post(w, "Project FALCON"),
        covers=("posts.Tag.name", "posts.Tag.slug"),
    ),
    # -- disposition batches (SPEC §4): an office of record's page says nothing of batches of
    #    communities the person does not own, nor of communities they cannot see --
    Case(
        "batch-confirm-html-a-batch-of-a-hidden-community",
        request=lambda w: html_client(w["actor"]).get(f"/records/batches/{HIDDEN_BATCH}/confirm/falcon/"),
        hide=lambda w: _hidden_batch(w),
        covers=("one_confirmation_per_batch_community",),
    ),
    Case(
        "batch-confirm-api-a-batch-of-a-hidden-community",
        request=lambda w: api_client(w["actor"]).post(
            f"/api/v1/records/batches/{HIDDEN_BATCH}/confirm/", {"community": "falcon"}, format="json",
        ),
        hide=lambda w: _hidden_batch(w),
        covers=("one_confirmation_per_batch_community",),
    ),
    # -- API tokens (SPEC §7): another person's token answers like none, and is never listed --
    *[
        Case(f"api-token-of-another-{surface}", request=lambda w, surface=surface: _token_request(w, surface),
             hide=_hidden_token)
        for surface in ("html-list", "html-revoke", "api-list", "api-revoke")
    ],
    # -- Redirects and shortcuts (the admin "view on site" rows go here) --
    # -- community exports (SPEC §4): an export id that is not the requester's answers like none --
    *[
        Case(
            f"community-export-{kind}-{surface}",
            request=lambda w, surface=surface: _export_request(w, surface),
            hide=hide,
        )
        for kind, hide in (("of-another-community", lambda w: _hidden_export(w, w["board"], w["owner"])),
                           ("of-another-owner", lambda w: _hidden_export(w, w["mine"], _co_owner(w))))
        for surface in ("html-page", "html-progress", "html-download", "api-detail", "api-download")
    ],
]

# -- people (SPEC §2.5): a profile, the people picker and the confirmation pages say nothing of what
#    the requester may not see --
HIDDEN_REVISION = 888001


def _hidden_revision(w):
    """A revision (of a strictly confidential page the actor may not see) with a known id."""
    page = _sc_page(w, "Merger plan")
    page.history.all().update(history_id=HIDDEN_REVISION)
    return page


def _revert_confirm_request(w):
    services.wiki_create(actor=w["author"], community=w["board"], title="Notes", classification="confidential")
    return html_client(w["actor"]).get(f"/communities/board/wiki/notes/revert/?version={HIDDEN_REVISION}")


# -- moderation actions in the browser (SPEC §3): an item the actor cannot see answers like no item at all --
ACT_SECRET = "Oracle moderation secret"
ACT_MISSING = 987654321


def _act_secret(w, target_type):
    post, _ = services.post_create(actor=w["author"], community=w["board"], title=ACT_SECRET, classification=SC)
    if target_type == "comment":
        return services.comment_create(actor=w["author"], post=post, body="A secret reply")[0]
    return post


def _act_request(w, target_type, action):
    from posts.models import Comment, Post

    rows = Post.objects.filter(title=ACT_SECRET) if target_type == "post" else Comment.objects.filter(
        post__title=ACT_SECRET
    )
    pk = rows.values_list("pk", flat=True).first() or ACT_MISSING
    return html_client(w["actor"]).post(
        f"/moderation/act/{target_type}/{pk}/", {"action": action, "reason": "Oracle", "next": "/"}
    )


CASES += [
    Case(
        "profile-html-a-post-of-the-person-the-viewer-may-not-see",
        request=lambda w: html_client(w["actor"]).get("/people/author/"),
        hide=lambda w: _hidden_tagged_post(w, "Project FALCON"),
    ),
    Case(
        "people-picker-api-members-of-a-hidden-community",
        request=lambda w: api_client(w["actor"]).get("/api/v1/people/?q=ou&community=falcon"),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
    ),
    Case(
        "member-remove-confirm-html-in-a-hidden-community",
        request=lambda w: html_client(w["actor"]).get("/communities/falcon/members/outsider/remove/"),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
    ),
    Case(
        "wiki-revert-confirm-html-a-revision-of-a-hidden-page",
        request=_revert_confirm_request,
        hide=_hidden_revision,
    ),
]

CASES += [
    Case(
        f"moderation-act-html-{action}-a-hidden-post",
        request=lambda w, action=action: _act_request(w, "post", action),
        hide=lambda w: _act_secret(w, "post"),
    )
    for action in ("hide", "reclassify", "escalate")
] + [
    Case(
        "moderation-act-html-hide-a-comment-under-a-hidden-post",
        request=lambda w: _act_request(w, "comment", "hide"),
        hide=lambda w: _act_secret(w, "comment"),
    ),
]

# -- @mention suggestions (SPEC §2.3): a hidden community answers like none; a hidden item changes
#    nobody's suggestions (the audience of an item not yet written depends on no other item) --
CASES += [
    Case(
        "audience-suggestions-api-in-a-hidden-community",
        request=lambda w: api_client(w["actor"]).get(
            "/api/v1/communities/falcon/audience/?classification=confidential&q=ou"
        ),
        hide=lambda w: _restricted_community(w, "Falcon inquiry", "falcon"),
    ),
    Case(
        "audience-suggestions-api-a-hidden-item-naming-readers",
        request=lambda w: api_client(w["actor"]).get(
            "/api/v1/communities/board/audience/?classification=strictly_confidential&q=o"
        ),
        hide=lambda w: _sc_page(w, "Merger plan", readers=[w["owner"]]),
    ),
]

# Uniqueness rules no form or API lets a requester collide with something hidden from them.
EXEMPT = {
    "auth.Group.name": "groups are managed by system managers in /admin/, who see them all",
    "auth.Permission": "not writable through any form or API",
    "contenttypes.ContentType": "not writable through any form or API",
    "axes.AccessAttempt": "sign-in attempts, written by django-axes at sign-in, no form; no content",
    "unisocial.ApiToken.digest": "a person's own token, random; nobody creates another's (SPEC §7)",
    "guardian.UserObjectPermission": "guardian's generic table, not used for content",
    "guardian.GroupObjectPermission": "guardian's generic table, not used for content",
    "django_celery_beat.SolarSchedule": "beat schedules: /admin/ only, nothing hidden",
    "django_celery_beat.PeriodicTask.name": "beat schedules: /admin/ only, nothing hidden",
    "unisocial.User.username": "accounts come from the identity provider; usernames are public",
    "unisocial.TermsVersion.version": "terms versions are public (/terms/)",
    "one_acceptance_per_terms_version": "one's own acceptance; get_or_create, no error",
    "one_membership_per_user": "one's own membership of a community one can see (SPEC §2.1)",
    "one_pending_join_request": "one's own request to a community one can see; get_or_create",
    "one_follow_per_pair": "follows are of people, who are public",
    "notifications.NotificationPreference.user": "one's own preferences",
    "posts.PostReader": "grants: written by the services that validate readers",
    "posts.WikiPageReader": "grants: written by the services that validate readers",
    "one_like_per_user": "one's own like of a post one can see (get_or_create)",
    "one_flag_per_user_per_item": "one's own flag of an item one can see (404 otherwise)",
    "one_open_case_per_item": "escalations of items the escalating moderator sees",
    # The schedule forms and API (/records/schedules/, records/schedules/) name the clashing schedule:
    # only records officers reach them, who see every schedule; anyone else is 403 before any lookup,
    # for an existing and a missing id alike (tests/records/test_schedules.py).
    "records.RetentionSchedule.name": "schedules are all visible to every records officer",
    "one_schedule_per_type_and_level": "schedules are all visible to every records officer",
    "one_any_level_schedule_per_type": "schedules are all visible to every records officer",
    "one_open_staleness_review": "written by the staleness job, no form",
    "one_batch_item_per_target": "written by the disposition job, no form",
    "one_disposition_per_item": "written by the disposition job, no form",
    "records.Certificate.batch": "written by the disposition job, no form",
    "one_run_per_job_window": "written by the job runner, no form",
    # Identity (SPEC §7): written at sign-in from the provider's verified claims, no form; the SCIM
    # endpoint's answers to an unauthorized caller are below (test_scim_answers_…).
    "one_user_per_oidc_subject": "written at sign-in from the provider's claims, no form",
    "unisocial.SignIn.session_key": "written at sign-in, one's own session, no form",
}


# -- keyset cursors: a cursor is a position, (created_at, id). One at a post the actor may
#    not see pages exactly as the same position with no post there: the visible posts on each side. --
CURSOR_AT = 737300  # the hidden post's id; the visible neighbours' ids follow it


def _cursor_position():
    from datetime import UTC, datetime

    return datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _cursor_request(w, param):
    from datetime import timedelta

    from feed.selectors import encode_cursor
    from posts.models import Post
    from tests.factories import PostFactory

    at = _cursor_position()
    for i, minutes in enumerate((-2, -1, 1, 2), start=1):  # explicit ids: the links' cursors match
        PostFactory(pk=CURSOR_AT + i, community=w["board"], author=w["author"], title=f"Neighbour {i}",
                    created_at=at + timedelta(minutes=minutes))
    cursor = encode_cursor(Post(pk=CURSOR_AT, created_at=at))
    return html_client(w["actor"]).get(f"/communities/board/?{param}={cursor}")


def _post_at_the_cursor(w):
    from tests.factories import PostFactory

    return PostFactory(pk=CURSOR_AT, community=w["board"], author=w["author"], title="Secret at the cursor",
                       classification=SC, created_at=_cursor_position())


CASES += [
    Case(
        f"community-page-html-{param}-at-a-hidden-post",
        request=lambda w, param=param: _cursor_request(w, param),
        hide=_post_at_the_cursor,
    )
    for param in ("cursor", "before")
]


# Surfaces with no case here because they name no object and answer every authorized user alike:
# /healthz and /readyz ("ok" or "unavailable", to anyone) and /api/v1/docs/ (the schema's page and
# its script). Their rows are in tests/security/matrix.py.


def _run(w, case, prepare):
    with transaction.atomic():
        if prepare is not None:
            prepare(w)
        seen = answer(case.request(w))
        transaction.set_rollback(True)
    return seen


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_answer_is_the_same_whether_or_not_the_hidden_object_exists(world, case):
    baseline = _run(world, case, case.show if case.compare == "visible" else None)
    with_hidden = _run(world, case, case.hide)
    assert with_hidden["status"] == baseline["status"]
    assert with_hidden["location"] == baseline["location"]
    assert with_hidden["type"] == baseline["type"]
    if with_hidden["body"] != baseline["body"]:
        diff = difflib.unified_diff(
            baseline["body"].splitlines(), with_hidden["body"].splitlines(), lineterm="", n=1
        )
        pytest.fail("the body tells the hidden object apart:\n" + "\n".join(list(diff)[:40]))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_the_hidden_object_really_is_hidden_and_colliding(world, case):
    # Guards the rows themselves: the hidden object must exist and be invisible to the actor.
    from communities.access import can_view

    with transaction.atomic():
        hidden = case.hide(world)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        if isinstance(hidden, Community):
            assert not Community.objects.visible_to(world["actor"]).filter(pk=hidden.pk).exists()
        else:
            assert not can_view(world["actor"], hidden)
        transaction.set_rollback(True)


def _uniqueness_rules():
    rules = set()
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.auto_created or label.startswith("simple_history") or "Historical" in label:
            continue
        for f in model._meta.local_fields:
            if f.unique and not f.primary_key:
                rules.add(f"{label}.{f.name}")
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                rules.add(constraint.name)
        if model._meta.unique_together:
            rules.add(label)
    return rules


def test_every_uniqueness_rule_has_a_row():
    covered = {rule for case in CASES for rule in case.covers}
    missing = _uniqueness_rules() - covered - set(EXEMPT)
    assert not missing, f"uniqueness rules with no existence-oracle row nor exemption: {sorted(missing)}"


def test_community_names_are_unique_only_among_visible_communities(world):
    # The hidden name is free to the actor; a visible one is refused.
    _restricted_community(world, "Falcon inquiry", "falcon")
    made = community_services.community_create(
        actor=world["actor"], name="Falcon inquiry", slug="falcon-2", purpose="x",
        visibility=Visibility.OPEN, ceiling=Level.UNCLASSIFIED,
    )
    assert made.name == "Falcon inquiry"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        community_services.community_create(
            actor=world["actor"], name="falcon INQUIRY", slug="falcon-3", purpose="x",
            visibility=Visibility.OPEN, ceiling=Level.UNCLASSIFIED,
        )
    assert "name" in refused.value.message_dict


def test_a_strictly_confidential_page_gets_an_address_not_made_from_its_title(world):
    page = _sc_page(world, "Merger plan")
    assert "merger" not in page.slug and page.slug.startswith("page-")
    assert Status.PUBLISHED == page.status


# -- Deprovisioning (SPEC §7): the SCIM endpoint tells an unauthorized caller nothing of who exists --


@pytest.mark.parametrize("configured, secret", [(True, None), (True, "wrong"), (True, ""), (False, "anything")])
def test_scim_answers_an_unauthorized_caller_alike_whether_or_not_the_person_exists(world, settings, configured,
                                                                                    secret):
    from django.test import Client

    from unisocial.models import OIDCIdentity

    settings.OIDC_OP_ISSUER = "https://id.example.org"
    settings.OIDC_DEPROVISION_TOKEN = "scim-secret-0123456789abcdef" if configured else ""
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}

    def request(w):
        return Client().patch("/scim/v2/Users/author", json.dumps({"active": False}),
                              content_type="application/scim+json", headers=headers)

    def hide(w):
        OIDCIdentity.objects.create(user=w["author"], issuer="https://id.example.org", subject="author")

    case = Case("scim", request=request, hide=hide)
    baseline = _run(world, case, None)
    with_person = _run(world, case, case.hide)
    assert with_person == baseline
    assert baseline["status"] == (401 if configured else 404)

