"""A wiki revert never republishes content to a wider audience than it was written for
(SPEC §2.3): on random worlds a page goes through random revisions
(levels and readers set by its author or an owner), then a random person reverts it to a
random revision, with or without a reason. Afterwards everyone who sees the page could
see the revision's content when it was written (its level and readers, with today's
memberships) — and anyone new since the revert began is there only because the page's
author or an owner restored it: a lower level with a reason, or the revision's own readers."""
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from posts import services
from unisocial.classification import LEVEL_ORDER

from .widening import (
    LEVEL_PICK,
    PEOPLE,
    audience,
    build_world,
    expected_audience,
    reader_ids,
    world_spec,
    write_page,
)

revision_spec = st.lists(
    st.tuples(
        st.sampled_from([0, "owner"]),  # by the author, or by an owner if there is one
        LEVEL_PICK,
        st.sets(st.integers(0, PEOPLE - 1), max_size=3),
    ),
    min_size=1,
    max_size=3,
)
revert_spec = st.fixed_dictionaries(
    {
        "actor": st.integers(0, PEOPLE - 1),
        "revision": st.integers(0, 5),
        "reason": st.sampled_from(["", "restore the approved text"]),
    }
)


class RevertWideningTests(TestCase):
    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=world_spec, revisions=revision_spec, revert=revert_spec)
    def test_a_revert_shows_content_only_to_those_it_was_written_for(self, spec, revisions, revert):
        world = build_world(spec)
        page = write_page(world, spec)
        owners = [p for p in world.people if world.role(p) == "owner"]
        for n, (who, level_pick, reader_idx) in enumerate(revisions):
            editor = owners[0] if who == "owner" and owners else world.people[0]
            level = world.pick_level(level_pick)
            readers = world.members(reader_idx) if level == "strictly_confidential" else []
            page, _ = services.wiki_update(
                actor=editor, page=page, body=f"v{n + 2}", classification=level, readers=readers,
                reason="editing",
            )
        history = list(page.history.order_by("history_id"))
        target = history[revert["revision"] % len(history)]
        actor = world.people[revert["actor"]]
        written_for = expected_audience(
            world, target.classification, page.author_id, set(target.recorded_readers or [])
        )
        before, readers_before = audience(world, page), reader_ids(page)
        level_before = page.classification
        try:
            page = services.wiki_revert(
                actor=actor, page=page, version=target.history_id, reason=revert["reason"]
            )
        except (PermissionDenied, ValidationError):
            page.refresh_from_db()
            assert page.classification == level_before
            assert (audience(world, page), reader_ids(page)) == (before, readers_before), "refused, yet changed"
            return
        page.refresh_from_db()
        after = audience(world, page)
        assert page.body_source == target.body_source
        assert page.classification == target.classification, "the revision's level did not come back"
        assert after <= written_for, ("content shown wider than it was written for", written_for, after)
        assert after == expected_audience(world, page.classification, page.author_id, reader_ids(page))
        if not after <= before:
            # Wider than just before: only the author or an owner may have done it (they alone set the
            # level and readers, §2.3), and a lowering needs their reason. Restoring the readers a
            # strictly confidential revision was written for needs none, as an edit of the readers does not.
            assert world.manages(actor, page), "widened by someone who does not manage the audience"
            if LEVEL_ORDER[page.classification] < LEVEL_ORDER[level_before]:
                assert revert["reason"].strip(), "lowered without a reason"
        if reader_ids(page) != readers_before:
            assert world.manages(actor, page), "the readers changed by someone who does not manage them"
