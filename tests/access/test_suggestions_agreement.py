"""The @mention suggestions (SPEC §2.3) and the per-object check agree on random worlds.

For a hypothetical item written by a member of a community at a chosen level with chosen named
readers, every person suggested for ``q`` passes ``has_perm("posts.view_post", item)`` once the
item exists, and every person matching ``q`` who passes it is suggested (up to the limit; the
person whose username is ``q`` first). Hypothesis draws communities of every visibility and
ceiling, people of every role (some expired, removed, superusers, inactive) and names.
"""

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from communities.models import Membership
from communities.selectors import audience_suggestions
from tests.factories import CommunityFactory, PostFactory, UserFactory, grant_reader
from unisocial.classification import levels_up_to

VISIBILITY_CEILINGS = [
    ("open", "unclassified"),
    ("moderated", "confidential"),
    ("restricted", "confidential"),
    ("restricted", "strictly_confidential"),
]
ROLES = [None, "member", "moderator", "owner", "expired-member", "expired-owner", "removed"]
NAMES = ["da", "db", "dan", "x"]
DISPLAY = ["", "Dana", "dave", "Bob"]

person = st.tuples(
    st.sampled_from(NAMES),  # start of the username
    st.sampled_from(DISPLAY),  # display name
    st.sampled_from(ROLES),
    st.booleans(),  # superuser
    st.booleans(),  # active
    st.booleans(),  # a named reader (members only, strictly confidential only)
)
world_spec = st.fixed_dictionaries(
    {
        "community": st.sampled_from(VISIBILITY_CEILINGS),
        "level": st.integers(0, 2),
        "author_role": st.sampled_from(["member", "moderator", "owner"]),
        "people": st.lists(person, min_size=1, max_size=7),
        "q": st.sampled_from(["d", "D", "da", "dan", "dave", "x", "b", "user"]),
        "limit": st.sampled_from([2, 10]),
    }
)


class SuggestionsAgreeWithTheRuleTests(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=world_spec)
    def test_suggested_exactly_those_matching_q_who_could_read_the_item(self, spec):
        now = timezone.now()
        visibility, ceiling = spec["community"]
        community = CommunityFactory(visibility=visibility, ceiling=ceiling)
        levels = levels_up_to(ceiling)
        level = levels[spec["level"] % len(levels)]
        author = UserFactory(username="dauthor")
        Membership.objects.create(user=author, content_object=community, role=spec["author_role"])
        people, readers = [author], []
        for i, (name, display, role, su, active, reader) in enumerate(spec["people"]):
            user = UserFactory(username=f"{name}{i}", display_name=display, is_superuser=su, is_active=active)
            people.append(user)
            if role is None:
                continue
            expired = role.startswith("expired-")
            membership = Membership.objects.create(
                user=user,
                content_object=community,
                role="member" if role == "removed" else role.removeprefix("expired-"),
                expires_at=now - timedelta(days=1) if expired else None,
            )
            if role == "removed":
                membership.delete()
            elif reader and not expired and level == "strictly_confidential":
                readers.append(user)

        q, limit = spec["q"], spec["limit"]
        suggested = [
            u.username
            for u in audience_suggestions(
                community=community,
                classification=level,
                author=author,
                reader_ids=[r.pk for r in readers],
                query=q,
                limit=limit,
            )
        ]

        item = PostFactory(community=community, author=author, classification=level)
        for reader in readers:
            grant_reader(item, reader)

        def matches(user):
            return any(
                (value or "").lower().startswith(q.lower())
                for value in (user.username, user.display_name, user.first_name, user.last_name)
            )

        readable = sorted(u.username for u in people if matches(u) and u.has_perm("posts.view_post", item))
        assert set(suggested) <= set(readable), ("suggested a non-reader", suggested, readable)
        assert len(suggested) == min(limit, len(readable)), ("missed a reader", suggested, readable)
        if q.lower() in [name.lower() for name in readable]:
            assert suggested[0].lower() == q.lower()  # the exact name first: a re-check finds it
