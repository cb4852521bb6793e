"""``seed_demo`` (SPEC "Management commands"): deterministic, sized by options, consistent."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from zeal import zeal_context

from communities.access import role_in
from communities.models import Community, Membership, Role
from posts.models import Post, PostReader
from unisocial.classification import Level, Visibility, rank
from unisocial.management.commands._demo_data import TERMS_PENDING
from unisocial.management.commands.seed_demo import DEMO_PASSWORD, NAMED_USERS
from unisocial.models import TermsVersion

SMALL = {"users": 12, "communities": 8, "posts": 60}

pytestmark = pytest.mark.django_db


def seed(**options):
    out = StringIO()
    with zeal_context():  # one N+1 scope per command run, as the middleware gives each request
        call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def test_seed_creates_the_requested_sizes():
    seed()
    assert get_user_model().objects.count() == SMALL["users"]
    assert Community.objects.count() == SMALL["communities"]
    assert Post.objects.count() == SMALL["posts"]


def test_seed_prints_the_demo_users_and_their_password():
    out = seed()
    for username, *_ in NAMED_USERS:
        assert username in out
    assert DEMO_PASSWORD in out
    assert get_user_model().objects.get(username="alice").check_password(DEMO_PASSWORD)


def test_every_post_is_at_or_below_its_community_ceiling():
    seed(posts=300)
    for level, ceiling in Post.objects.values_list("classification", "community__ceiling"):
        assert rank(level) <= rank(ceiling)


def test_communities_cover_every_visibility_and_ceiling_and_one_is_archived():
    seed()
    pairs = set(Community.objects.values_list("visibility", "ceiling"))
    assert (Visibility.OPEN, Level.UNCLASSIFIED) in pairs
    assert (Visibility.MODERATED, Level.CONFIDENTIAL) in pairs
    assert (Visibility.RESTRICTED, Level.STRICTLY_CONFIDENTIAL) in pairs
    assert Community.objects.filter(is_archived=True).count() == 1
    for community in Community.objects.all():
        assert community.memberships.filter(role=Role.OWNER).exists(), community


def test_two_runs_with_reset_give_the_same_titles():
    seed()
    first = list(
        Post.objects.order_by("id").values_list("community__slug", "title", "classification")
    )
    seed(reset=True)
    second = list(
        Post.objects.order_by("id").values_list("community__slug", "title", "classification")
    )
    assert first == second
    assert get_user_model().objects.count() == SMALL["users"]


def test_seed_refuses_a_database_that_holds_data_unless_reset():
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    out = seed(keep_existing=True)
    assert "skipped" in out and DEMO_PASSWORD in out
    assert Post.objects.count() == SMALL["posts"]


def test_demo_users_are_authorized_and_hold_their_roles():
    seed()
    User = get_user_model()
    assert TermsVersion.current() is not None
    named = User.objects.in_bulk([u for u, *_ in NAMED_USERS], field_name="username")
    for username, *_ in NAMED_USERS:
        # frank has the current terms still to accept: his first sign-in shows the acceptance.
        assert named[username].accepted_current_terms == (username not in TERMS_PENDING), username
    assert User.objects.get(username="erin").is_records_officer
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    audit = Community.objects.get(slug="internal-audit")
    assert role_in(User.objects.get(username="alice"), audit) == Role.OWNER
    assert role_in(User.objects.get(username="carol"), audit) == Role.MODERATOR
    assert not Membership.objects.filter(user__username="dave").exists()


def test_bulk_memberships_carry_the_guardian_permission_of_their_role():
    seed()
    for membership in Membership.objects.select_related("permission"):
        assert (
            membership.permission.codename
            == {
                Role.OWNER: "own_community",
                Role.MODERATOR: "moderate_community",
                Role.MEMBER: "member_of_community",
            }[membership.role]
        )


def test_strictly_confidential_readers_are_members_and_the_rule_applies():
    seed()
    User = get_user_model()
    grants = PostReader.objects.select_related("content_object", "permission")
    assert grants.exists()
    for grant in grants:
        assert grant.permission.codename == "read_post"
        assert grant.content_object.classification == Level.STRICTLY_CONFIDENTIAL
        assert role_in(grant.user, grant.content_object.community) is not None
    findings = Post.objects.get(title="Draft findings: field mission fuel contracts")
    assert Post.objects.visible_to(User.objects.get(username="bob")).filter(pk=findings.pk).exists()
    assert (
        not Post.objects.visible_to(User.objects.get(username="carol"))
        .filter(pk=findings.pk)
        .exists()
    )
    assert (
        not Post.objects.visible_to(User.objects.get(username="admin"))
        .filter(pk=findings.pk)
        .exists()
    )


def test_large_seeds_use_bulk_inserts_not_a_query_per_row():
    with CaptureQueriesContext(connection) as small:
        seed(users=40, posts=100)
    with CaptureQueriesContext(connection) as large:
        seed(users=40, posts=6000, reset=True)
    assert Post.objects.count() == 6000
    # 5,900 more posts (and their history rows) cost a few multi-row INSERTs, not a save per row
    # (SQLite caps the parameters per INSERT, so a batch of 5,000 may take several statements).
    assert len(large) - len(small) < 5900 / 20, (len(small), len(large))


def test_reset_empties_the_append_only_tables_too():
    """On PostgreSQL their triggers refuse row deletes (SPEC §4): the reset truncates instead."""
    from communities.models import MembershipEvent
    from moderation.models import ModerationAction
    from posts.models import AccessLog

    seed()
    user, community = get_user_model().objects.first(), Community.objects.first()
    MembershipEvent.objects.create(community=community, user=user, action="joined")
    AccessLog.objects.create(user=user, target_type="post", target_id=1, community=community,
                             classification=Level.STRICTLY_CONFIDENTIAL)
    ModerationAction.objects.create(action="hide", target_type="post", target_id=1, community=community)
    seed(reset=True)
    assert not MembershipEvent.objects.exists()
    assert not AccessLog.objects.exists()
    assert not ModerationAction.objects.exists()
    assert get_user_model().objects.count() == SMALL["users"]
