"""The matrix world (the authorization matrices): one row of every kind, each carrying a secret word.

Shared by the authorization matrix (``test_matrix.py``, ``test_admin_matrix.py``) and the red-team
crawl (``test_crawl.py``). Built with plain ORM writes (setting up is not what is under test); every
row that refers to an item or a community carries that item's or community's token in its text, so
that the leak check finds it wherever it is shown: titles and bodies (``qx<key>zz``), comments, tags
(``qx<key>zztag``), flag notes (``qf<key>zz``), moderation reasons (``qa<key>zz``), and the names and
slugs of communities (``qc<key>zz``).
"""
from __future__ import annotations

import json
from datetime import timedelta

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient
from zeal import zeal_ignore

from communities.models import JoinRequest, MembershipEvent, Role
from moderation.models import Flag, ModerationAction
from posts.models import Comment, Post, Tag, WikiPage
from records.models import CommunityExport, DispositionBatch, DispositionRecord, RetentionSchedule, StalenessReview
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.models import OIDCIdentity
from unisocial.tokens import create_token

from . import matrix as m


def build_world():
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
    # The reporter of every flag: a member of every community and a reader of every strictly
    # confidential item, outside the roles (so that the roles can still report each item once).
    reporter = UserFactory(username="mx-reporter")
    officers, _ = Group.objects.get_or_create(name="Records officers")
    users["records_officer"].groups.add(officers)
    communities = {}
    now = timezone.now()
    for key, (visibility, ceiling) in m.COMMUNITIES.items():
        community = CommunityFactory(
            name=m.community_name(key), slug=m.slug(key), visibility=visibility, ceiling=ceiling, description=""
        )
        for role, community_role in m.COMMUNITY_ROLE.items():
            add_member(community, users[role], Role(community_role))
            MembershipEvent.objects.create(community=community, user=users[role], actor=users[role],
                                           action="joined", role=community_role)
        add_member(community, reporter, Role.MEMBER)
        # The outsider asked to join every community; the staleness job flagged every community.
        JoinRequest.objects.create(community=community, user=users["outsider"], message=f"{m.slug(key)} join")
        StalenessReview.objects.create(community=community, last_activity_at=now - timedelta(days=400),
                                       flagged_at=now, grace_until=now + timedelta(days=30))
        communities[key] = community
    posts, comments, flags, actions = {}, {}, {}, {}
    for item in m.POSTS:
        post = Post.objects.create(
            community=communities[item.community],
            author=users["author"],
            title=f"Matrixtoken {item.token}",
            body=f"<p>matrixtoken {item.token}</p>",
            classification=item.level,
            status=item.status,
        )
        tag = Tag.objects.create(name=f"{item.token}tag", slug=f"{item.token}tag")
        post.tags.add(tag)
        comments[item] = Comment.objects.create(post=post, author=users["author"],
                                                body=f"<p>{item.token} comment</p>")
        if item.level == "strictly_confidential":
            assign_perm("posts.read_post", users["sc_reader"], post)
            assign_perm("posts.read_post", reporter, post)
        posts[item] = post
        flags[item] = Flag.objects.create(
            target_type="post", target_id=post.pk, community=post.community, flagger=reporter,
            reason="spam", note=f"{m.flag_token(item)} flag note",
        )
        actions[item] = ModerationAction.objects.create(
            actor=users["moderator"] if item.level != "strictly_confidential" else users["owner"],
            action="dismiss", target_type="post", target_id=post.pk, community=post.community,
            reason=f"{m.action_token(item)} reason",
        )
    wiki = {}
    for item in m.WIKI_PAGES:
        page = WikiPage.objects.create(
            community=communities[item.community],
            author=users["author"],
            last_edited_by=users["author"],
            slug=m.page_slug(item),
            title=f"Matrixtoken {item.token}",
            body=f"<p>matrixtoken {item.token}</p>",
            classification=item.level,
            status=item.status,
        )
        if item.level == "strictly_confidential":
            assign_perm("posts.read_wikipage", users["sc_reader"], page)
        wiki[item] = page
    # A strictly confidential post of the restricted community, destroyed by disposition: its permanent
    # record names the community (SPEC §4), metadata for records officers.
    schedule = RetentionSchedule.objects.create(name="Matrix schedule", content_type="post",
                                                classification="strictly_confidential", retain_days=1,
                                                disposition="destroy", created_by=users["records_officer"])
    batch = DispositionBatch.objects.create(schedule=schedule, as_of=now)
    DispositionRecord.objects.create(
        target_type="post", target_id=m.MISSING - 1, classification="strictly_confidential",
        community_id=communities["restricted"].pk, community_slug=m.slug("restricted"),
        community_name=m.community_name("restricted"), batch=batch, schedule=schedule,
        schedule_name=schedule.name, disposition="destroy", approved_by=users["records_officer"],
        approved_by_username=users["records_officer"].username, last_activity_at=now - timedelta(days=400),
    )
    # The owner's export of each community, waiting for a worker (SPEC §4 "Community export"): theirs
    # only; everyone else, the other owner (no_terms) included, meets it as nonexistent.
    exports = {key: CommunityExport.objects.create(community=c, requested_by=users["owner"])
               for key, c in communities.items()}
    # The outsider signed in through the identity provider once (the system managers' read-only
    # /admin/unisocial/oidcidentity/ pages; nothing of it on /moderation/).
    identity = OIDCIdentity.objects.create(user=users["outsider"], issuer="https://id.mx.example.org",
                                           subject="mx-outsider-subject", last_sign_in_at=now)
    return {"users": users, "communities": communities, "posts": posts, "wiki": wiki,
            "comments": comments, "flags": flags, "actions": actions, "officers": officers, "exports": exports,
            "identity": identity}


def clients(world, api):
    with zeal_ignore():
        return _make_clients(world, api)


def _make_clients(world, api):
    made = {}
    for role in m.ROLES:
        client = APIClient() if api else Client()
        if role != "anonymous":
            if api:
                # Real token auth: a fresh user object per request, as in production.
                _row, token = create_token(world["users"][role], "matrix")
                client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            else:
                client.force_login(world["users"][role])
        made[role] = client
    return made


def answer(response, api=False):
    """What the app answered, in the table's words."""
    code = response.status_code
    location = response.get("Location", "")
    if code == 302 and location.startswith("/accounts/login/?next="):
        return m.LOGIN
    if code == 302 and location.startswith("/admin/login/"):
        return m.ADMIN_LOGIN
    if code == 302 and location.startswith("/moderation/login/?next="):
        return m.MODERATION_LOGIN
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


def content(response) -> str:
    """Everything a response tells: its body and where it redirects to."""
    location = response.get("Location", "")
    if getattr(response, "streaming", False):
        return location
    return location + "\n" + response.content.decode("utf-8", "replace")


def leaks(role, text, asked="") -> list[str]:
    """The tokens in ``text`` of things ``role`` may not see (tokens the request itself carried excepted)."""
    found = []
    for token, what in m.secrets_hidden_from(role):
        if token in text and token not in asked:
            found.append(what)
    return found
