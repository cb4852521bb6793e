"""Changing an item's level never widens its audience except by a lowering that the spec
allows (SPEC §2.3): on random worlds, a random person edits a wiki page to a random level
(with or without a reason), or reclassifies a page or post through moderation. Afterwards
everyone who sees the item saw it before — a raise narrows — unless the item's author or an
owner lowered it with a reason, and then exactly the spec's audience of the new level sees it."""
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from posts import services

from .widening import (
    LEVEL_PICK,
    PEOPLE,
    audience,
    build_world,
    expected_audience,
    lowers,
    reader_ids,
    world_spec,
    write_page,
)

write_spec = st.fixed_dictionaries(
    {
        "path": st.sampled_from(["wiki-edit", "reclassify-wiki", "reclassify-post"]),
        "actor": st.integers(0, PEOPLE - 1),
        "level": LEVEL_PICK,
        "reason": st.sampled_from(["", "  ", "cleared by the board"]),
    }
)


class LevelWideningTests(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=world_spec, write=write_spec)
    def test_only_a_reasoned_lowering_by_author_or_owner_widens(self, spec, write):
        world = build_world(spec)
        if write["path"] == "reclassify-post":
            level = world.pick_level(spec["level"])
            item, _ = services.post_create(
                actor=world.people[0], community=world.community, title="Post", classification=level,
                readers=world.members(spec["readers"]) if level == "strictly_confidential" else [],
            )
        else:
            item = write_page(world, spec)
        actor = world.people[write["actor"]]
        old, new = item.classification, world.pick_level(write["level"])
        before, readers_before = audience(world, item), reader_ids(item)
        try:
            if write["path"] == "wiki-edit":
                services.wiki_update(actor=actor, page=item, classification=new, reason=write["reason"])
            else:
                services.item_reclassify(actor=actor, item=item, classification=new, reason=write["reason"])
        except (PermissionDenied, ValidationError):
            item.refresh_from_db()
            assert item.classification == old
            assert (audience(world, item), reader_ids(item)) == (before, readers_before), "refused, yet changed"
            return
        item.refresh_from_db()
        after = audience(world, item)
        assert after == expected_audience(world, item.classification, item.author_id, reader_ids(item))
        if lowers(old, new):
            assert world.manages(actor, item), "lowered by someone who may not lower"
            assert write["reason"].strip(), "lowered without a reason"
        else:
            assert after <= before, ("a raise or no change widened the audience", before, after)
        if write["path"] == "wiki-edit" and new != old:
            assert world.manages(actor, item), "a wiki edit changed the level of someone else's page"
        elif new != old and not lowers(old, new):
            assert world.may_raise(actor, item)
