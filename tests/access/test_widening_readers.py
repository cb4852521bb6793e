"""Changing an item's named readers never widens its audience behind the rule (SPEC §2.3):
on random worlds, a random person sends a random readers list for a
wiki page or a post. Afterwards everyone who sees the item saw it before, or is a reader
the item's author or a community owner has just added, and a member of the community."""
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from posts import services

from .widening import PEOPLE, audience, build_world, expected_audience, reader_ids, world_spec, write_page

write_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["wiki", "post"]),
        "actor": st.integers(0, PEOPLE - 1),
        "readers": st.sets(st.integers(0, PEOPLE - 1), max_size=4),
    }
)


class ReadersWideningTests(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=world_spec, write=write_spec)
    def test_a_readers_change_adds_only_members_named_by_the_author_or_an_owner(self, spec, write):
        world = build_world(spec)
        if write["kind"] == "wiki":
            item = write_page(world, spec)
        else:
            level = world.pick_level(spec["level"])
            item, _ = services.post_create(
                actor=world.people[0], community=world.community, title="Post", classification=level,
                readers=world.members(spec["readers"]) if level == "strictly_confidential" else [],
            )
        actor = world.people[write["actor"]]
        wanted = [world.people[i] for i in sorted(write["readers"])]
        before, readers_before = audience(world, item), reader_ids(item)
        try:
            if write["kind"] == "wiki":
                services.wiki_update(actor=actor, page=item, readers=wanted)
            else:
                services.post_update(actor=actor, post=item, readers=wanted)
        except (PermissionDenied, ValidationError):
            assert (audience(world, item), reader_ids(item)) == (before, readers_before), "refused, yet changed"
            return
        after = audience(world, item)
        added = reader_ids(item) - readers_before
        assert world.manages(actor, item), "the readers changed by someone who does not manage them"
        assert added <= set(world.roles), "a reader who is not an active member"
        assert after <= before | added, ("widened beyond the readers added", before, after, added)
        assert after == expected_audience(world, item.classification, item.author_id, reader_ids(item))
