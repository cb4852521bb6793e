"""Escalation widens an item's audience by exactly the system managers (SPEC §2.2,
§3): on random worlds, when an owner reports a post, wiki page or
comment to management,

* the escalated item is seen by everyone who saw it before and by every active superuser, no
  one else;
* the comments under an escalated post gain at most superusers (their own status still counts);
* every other item keeps its audience — the post above an escalated comment included.
"""
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from moderation import services
from posts.models import Comment, Post, WikiPage

from .worlds import audiences, build, world_spec


class EscalationWideningTests(TestCase):
    @settings(max_examples=50, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(spec=world_spec, kind=st.sampled_from([Post, WikiPage, Comment]), pick=st.integers(0, 5))
    def test_escalation_adds_exactly_the_system_managers(self, spec, kind, pick):
        _communities, users = build(spec)
        items = list(kind.objects.order_by("pk"))
        if not items:
            return
        item = items[pick % len(items)]
        owner = users[0]  # an owner of every community
        before = audiences(users)
        try:
            services.item_escalate(actor=owner, item=item, reason="Reported to management")
        except (Http404, PermissionDenied, ValidationError):
            assert audiences(users) == before, "a refused escalation changed an audience"
            return
        after = audiences(users)
        managers = set(get_user_model().objects.filter(is_superuser=True, is_active=True, pk__in=[u.pk for u in users])
                       .values_list("pk", flat=True))
        escalated = (kind._meta.label_lower, item.pk)
        under = set()
        if kind is Post:
            under = {("posts.comment", pk) for pk in Comment.objects.filter(post=item).values_list("pk", flat=True)}
        for key, seen in after.items():
            if key == escalated:
                assert seen == before[key] | managers, (key, "the escalated item's audience is not before + managers")
            elif key in under:
                assert before[key] <= seen <= before[key] | managers, (key, "a comment under it gained non-managers")
            else:
                assert seen == before[key], (key, "an item not escalated changed its audience")
