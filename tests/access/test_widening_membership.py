"""Membership writes widen an audience only as the spec lets them (SPEC §2.1,
§2.2): on random worlds, after adding a member, changing a role, removing a
member, a member leaving, joining an open community or a membership expiring (the daily job),

* nobody but the person whose membership changed sees anything new or loses anything;
* that person sees exactly what the spec's table gives their new role (a member added sees what
  members see, a promoted owner the strictly confidential items, someone removed or expired
  nothing of the community beyond the open row — their own items included);
* a refused write changes nothing.
"""
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from communities import services
from communities.models import Membership

from .worlds import audiences, build, oracle_sees, oracle_world, world_spec

WRITES = ["add-or-change", "remove", "leave", "join", "expire"]


class MembershipWideningTests(TestCase):
    @settings(max_examples=50, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(spec=world_spec, write=st.sampled_from(WRITES), c_i=st.integers(0, 1), t_i=st.integers(0, 4),
           role=st.sampled_from(["member", "moderator", "owner"]))
    def test_a_membership_write_changes_only_its_subjects_view_and_as_the_table_says(self, spec, write, c_i, t_i,
                                                                                      role):
        communities, users = build(spec)
        community = communities[c_i % len(communities)]
        owner, target = users[0], users[t_i % len(users)]
        before = audiences(users)
        try:
            if write == "add-or-change":
                services.member_set(actor=owner, community=community, user=target, role=role)
            elif write == "remove":
                services.member_remove(actor=owner, community=community, user=target)
            elif write == "leave":
                services.member_remove(actor=target, community=community, user=target, reason="left")
            elif write == "join":
                services.community_join(actor=target, community=community)
            else:  # an end date, then the daily job on the day after it
                membership = Membership.objects.active().filter(user=target, content_object_id=community.pk).first()
                if membership is not None:
                    membership.expires_at = timezone.now() + timedelta(days=1)
                    membership.save()
                services.expire_memberships(now=timezone.now() + timedelta(days=2))
        except (ValidationError, PermissionDenied):
            assert audiences(users) == before, "a refused write changed an audience"
            return
        after = audiences(users)
        world, comments = oracle_world(users)
        for key, seen in after.items():
            others_before = before[key] - {target.pk}
            assert seen - {target.pk} == others_before, (write, key, "someone else's view changed")
            expected = oracle_sees(world, comments, target.pk, key)
            assert (target.pk in seen) == expected, (write, role, key, "the subject's view is not the table's")
            if write in ("remove", "leave", "expire"):
                assert seen <= before[key], (write, key, "a removal widened an audience")
