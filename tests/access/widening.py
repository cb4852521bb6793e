"""Random worlds for the audience-widening property tests (every write that
could widen an audience has one: readers, level and revert here; membership, role and
escalation in the sibling ``test_widening_*.py`` files).

A world is one community (any visibility and ceiling), five people with random roles (some
expired, some not members), and one wiki page or post written through the services by an
active member. ``audience`` asks the app's rule (``can_view``) who sees the item;
``expected_audience`` is SPEC §2.2's table written out again, independently, for the
published items these tests write, so that a test fails if the write widens the audience
and also if the app's rule and the table disagree about the result.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from hypothesis import strategies as st

from communities.access import can_view
from communities.models import Membership
from posts import services
from tests.factories import CommunityFactory, UserFactory
from unisocial.classification import levels_up_to, rank

VISIBILITY_CEILINGS = [
    ("open", "unclassified"),
    ("moderated", "confidential"),
    ("restricted", "confidential"),
    ("restricted", "strictly_confidential"),
    ("restricted", "strictly_confidential"),  # twice: readers exist only here
]
ROLES = [None, "member", "moderator", "owner", "expired-member"]
ACTIVE_ROLES = ["member", "moderator", "owner"]
LEVEL_PICK = st.integers(0, 2)
PEOPLE = 5

world_spec = st.fixed_dictionaries(
    {
        "community": st.sampled_from(VISIBILITY_CEILINGS),
        "author_role": st.sampled_from(ACTIVE_ROLES),
        "roles": st.lists(st.sampled_from(ROLES), min_size=PEOPLE - 1, max_size=PEOPLE - 1),
        "level": LEVEL_PICK,
        "readers": st.sets(st.integers(0, PEOPLE - 1), max_size=3),
    }
)


@dataclass
class World:
    community: object
    people: list
    roles: dict  # user id -> active role (absent: not an active member)

    def role(self, user):
        return self.roles.get(user.pk)

    def manages(self, user, item) -> bool:
        """SPEC §2.3: the author and the owners see and change readers and level."""
        return user.pk == item.author_id or self.role(user) == "owner"

    def may_raise(self, user, item) -> bool:
        return user.pk == item.author_id or self.role(user) in ("owner", "moderator")

    def pick_level(self, index) -> str:
        allowed = levels_up_to(self.community.ceiling)
        return allowed[index % len(allowed)]

    def members(self, indexes) -> list:
        """The people at ``indexes`` who are active members (readers must be, SPEC §2.3)."""
        return [self.people[i] for i in sorted(indexes) if self.people[i].pk in self.roles]


def build_world(spec) -> World:
    visibility, ceiling = spec["community"]
    community = CommunityFactory(visibility=visibility, ceiling=ceiling)
    people = [UserFactory() for _ in range(PEOPLE)]
    now = timezone.now()
    roles = {}
    for person, role in zip(people, [spec["author_role"], *spec["roles"]], strict=True):
        if role is None:
            continue
        expired = role.startswith("expired-")
        Membership.objects.create(
            user=person,
            content_object=community,
            role=role.removeprefix("expired-"),
            expires_at=now - timedelta(days=1) if expired else now + timedelta(days=30),
        )
        if not expired:
            roles[person.pk] = role
    return World(community=community, people=people, roles=roles)


def write_page(world, spec, title="Page"):
    """A wiki page by people[0] (an active member) at a random level with random readers."""
    level = world.pick_level(spec["level"])
    readers = world.members(spec["readers"]) if level == "strictly_confidential" else []
    page, _ = services.wiki_create(
        actor=world.people[0], community=world.community, title=title, body="v1",
        classification=level, readers=readers,
    )
    return page


def audience(world, item) -> set:
    """Who sees ``item`` now, by the app's own rule."""
    item = type(item).objects.get(pk=item.pk)
    return {p.pk for p in world.people if can_view(p, item)}


def reader_ids(item) -> set:
    return set(item.reader_grants.values_list("user_id", flat=True))


def expected_audience(world, level, author_id, readers) -> set:
    """SPEC §2.2 for a published item, written independently of communities.access."""
    seen = set()
    for person in world.people:
        role = world.role(person)
        if level == "unclassified" and world.community.visibility == "open":
            seen.add(person.pk)
        elif level in ("unclassified", "confidential"):
            if role is not None:
                seen.add(person.pk)
        elif role is not None and (person.pk == author_id or person.pk in readers or role == "owner"):
            seen.add(person.pk)
    return seen


def lowers(old, new) -> bool:
    return rank(new) < rank(old)
