"""README's table of demo users says what each can do and see; this seeds the demo as ``make run``
does (``seed_demo`` with its default sizes) and checks every row's claims against the access rule,
so that the table cannot drift from the data. A row changed in README without its check here
fails, and so does a seed that no longer bears a row out."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from zeal import zeal_context

from communities.models import Community, JoinRequest, Membership, Role
from posts.models import Post, PostReader, WikiPage
from unisocial.classification import Level, Status, Visibility
from unisocial.management.commands.seed_demo import NAMED_USERS

pytestmark = pytest.mark.django_db

SC = Level.STRICTLY_CONFIDENTIAL
ROW = re.compile(r"^\| `(?P<user>[\w.]+)` \| (?P<claim>.+) \|$")


def readme_rows() -> dict[str, str]:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = text.split("## Demo users", 1)[1].split("\n## ", 1)[0]
    return {m["user"]: m["claim"] for m in map(ROW.match, section.splitlines()) if m}


@pytest.fixture
def demo():
    with zeal_context():
        call_command("seed_demo", stdout=StringIO())
    return get_user_model().objects.in_bulk([name for name, *_ in NAMED_USERS], field_name="username")


def roles(user) -> dict[str, str]:
    return dict(Membership.objects.active().filter(user=user).values_list("content_object__slug", "role"))


def sc_titles(user) -> set[str]:
    return set(Post.objects.visible_to(user).filter(classification=SC).values_list("title", flat=True))


# --- the claims, one check per row ----------------------------------------------------------


def check_admin(user, demo):
    assert user.is_superuser and user.is_staff
    assert roles(user) == {}
    seen = Post.objects.visible_to(user)
    assert seen.exists()
    assert not seen.exclude(community__visibility=Visibility.OPEN, classification=Level.UNCLASSIFIED).exists()
    # what the open communities show everyone: exactly an outsider's view
    assert set(seen.values_list("pk", flat=True)) == set(
        Post.objects.visible_to(demo["dave"]).values_list("pk", flat=True)
    )


def check_alice(user, demo):
    mine = roles(user)
    assert Community.objects.count() == 8
    assert sum(role == Role.OWNER for role in mine.values()) == 6
    assert mine["internal-audit"] == Role.OWNER
    assert Community.objects.get(slug="internal-audit").visibility == Visibility.RESTRICTED
    audit_sc = Post.objects.filter(community__slug="internal-audit", classification=SC).exclude(status=Status.WITHDRAWN)
    assert audit_sc.count() >= 2
    assert set(audit_sc.values_list("title", flat=True)) <= sc_titles(user)


def check_bob(user, demo):
    mine = roles(user)
    assert len(mine) == 8 and set(mine.values()) == {Role.MEMBER}
    title = "Draft findings: field mission fuel contracts"
    assert sc_titles(user) == {title}
    post = Post.objects.get(title=title)
    assert post.author != user
    assert PostReader.objects.filter(content_object=post, user=user).exists()


def check_carol(user, demo):
    mine = roles(user)
    assert sum(role == Role.MODERATOR for role in mine.values()) == 4
    assert mine["internal-audit"] == Role.MODERATOR
    assert sc_titles(user) == set()
    assert not WikiPage.objects.visible_to(user).filter(classification=SC).exists()
    # (while strictly confidential posts and pages do exist where she moderates)
    assert Post.objects.filter(community__slug="internal-audit", classification=SC).exists()
    assert WikiPage.objects.filter(community__slug="internal-audit", classification=SC).exists()


def check_dave(user, demo):
    assert roles(user) == {}
    requests = JoinRequest.objects.filter(user=user, state=JoinRequest.State.PENDING)
    assert list(requests.values_list("community__slug", flat=True)) == ["peacekeeping-logistics"]


def check_erin(user, demo):
    assert user.is_records_officer
    mine = roles(user)
    assert len(mine) == 2
    assert set(Community.objects.filter(slug__in=mine).values_list("visibility", flat=True)) == {Visibility.OPEN}


def check_frank(user, demo, client):
    assert not user.accepted_current_terms
    assert roles(user) == {"staff-wellbeing": Role.MEMBER}
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/terms/")


CLAIMS = {
    "admin": (
        "system manager (superuser): site admin, but sees content only as a member would — in no community, "
        "so only what the open communities show everyone",
        check_admin,
    ),
    "alice": (
        "owner of six of the eight demo communities, including the restricted Internal Audit Working Group, "
        "whose strictly confidential posts she all sees",
        check_alice,
    ),
    "bob": (
        "member of all eight demo communities; named reader of one strictly confidential post, "
        '"Draft findings: field mission fuel contracts"',
        check_bob,
    ),
    "carol": (
        "moderator of four communities, Internal Audit among them; sees no strictly confidential post or wiki page",
        check_carol,
    ),
    "dave": ("outsider: in no community; a pending request to join Peacekeeping Logistics", check_dave),
    "erin": ('records officer (group "Records officers"); member of two open communities', check_erin),
    "frank": (
        "new colleague: has not accepted the current terms of use, so signing in starts with them; "
        "member of the Staff Wellbeing Circle",
        check_frank,
    ),
}


def test_readme_lists_every_demo_user_with_a_claim_checked_here():
    rows = readme_rows()
    assert set(rows) == {name for name, *_ in NAMED_USERS} == set(CLAIMS)
    for user, claim in rows.items():
        assert claim == CLAIMS[user][0], f"README's row for {user} changed: update its check here too"


@pytest.mark.parametrize("username", sorted(CLAIMS))
def test_each_readme_row_holds_in_the_seeded_demo(demo, client, username):
    check = CLAIMS[username][1]
    if check is check_frank:
        check(demo[username], demo, client)
    else:
        check(demo[username], demo)


def test_the_demo_communities_have_comments_recommendations_and_wiki_pages(demo):
    for community in Community.objects.filter(is_archived=False):
        assert WikiPage.objects.filter(community=community).exists(), community
        posts = Post.objects.filter(community=community, status=Status.PUBLISHED)
        assert posts.filter(likes__isnull=False).exists(), community
        assert posts.filter(comments__isnull=False).exists(), community
    # written through the services: each with its revision, by its author
    page = WikiPage.objects.first()
    assert page.history.filter(history_type="+", history_user=page.author).exists()
