"""What the browser offers someone who may moderate an item (SPEC §3): the actions its state admits,
the levels it may be raised to, its open reports by reason. Built in one place for the queue's review
cards, the item admin pages at /moderation/ and the items' own pages; the route that runs them is
``moderation.views.act``, the rules stay in ``moderation.services``."""

from unisocial.classification import Level

from . import services
from .models import ModerationAction
from .selectors import ModerationPanel, open_work, reason_counts


def panel_for(item, target_type, counts: dict, open_case: bool) -> ModerationPanel:
    """``counts``: the item's open reports by reason; ``open_case``: already escalated."""
    return ModerationPanel(
        target_type=target_type,
        target_id=item.pk,
        actions=[
            (a, ModerationAction.Action(a).label)
            for a in services.actions_for(item, open_flags=bool(counts), open_case=open_case)
        ],
        levels=[(level, Level(level).label) for level in services.raise_levels(item)],
        reasons=reason_counts(counts),
    )


def panels_for(items, target_type) -> dict:
    """``panel_for`` of each of these items (reached through the rule by someone who may moderate
    them): two queries whatever their number."""
    counts, cases = open_work(target_type, [item.pk for item in items])
    return {item.pk: panel_for(item, target_type, counts.get(item.pk, {}), item.pk in cases) for item in items}
