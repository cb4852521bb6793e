"""Template helpers for the report form and moderation notices (the pages of posts load them)."""
from django import template

from communities.access import role_in
from moderation import services
from moderation.models import Flag
from moderation.panels import panels_for
from moderation.selectors import community_of, moderation_states, reported_by
from unisocial import items
from unisocial.classification import Status

register = template.Library()


@register.simple_tag
def report_reasons():
    """The reasons a person may give when reporting an item (SPEC §3)."""
    return Flag.Reason.choices


@register.filter
def in_set(value, collection) -> bool:
    """``{{ comment.pk|in_set:reported_comment_ids }}``: membership that tolerates a missing set."""
    return bool(collection) and value in collection


@register.simple_tag
def reported(user, target_type, target_id) -> bool:
    """``{% reported user "post" post.pk as post_reported %}``: whether ``user`` already
    reported this item (SPEC §3; one query)."""
    return bool(reported_by(user, target_type, [target_id]))


@register.simple_tag
def reported_comments(user, threads) -> set[int]:
    """``{% reported_comments user threads as reported_comment_ids %}``: which comments of a
    post's page of ``threads`` (``(comment, replies)`` pairs) ``user`` already reported (one
    query; none for a page without comments)."""
    ids = [c.pk for comment, replies in threads for c in (comment, *replies)]
    return reported_by(user, "comment", ids) if ids else set()


# --- the item's own page: its true state and, for those who may, the moderation actions (SPEC §3) ---

_UNSET = object()


@register.simple_tag
def moderation_state(item):
    """``{% moderation_state post as state %}``: the true state of an item held back by
    moderation (rejected, hidden by a moderator, hidden after reports, awaiting approval) and
    the reason, or ``None`` for a published one. One query for a hidden item, none otherwise."""
    if item.status not in (Status.HIDDEN, Status.PENDING):
        return None
    return moderation_states(items.type_of(item), [item]).get(item.pk)


@register.simple_tag
def comment_states(threads) -> dict:
    """``{% comment_states threads as states %}``: ``moderation_state`` for every comment of a
    post's page (one query, none when no comment is held back)."""
    comments = [c for comment, replies in threads for c in (comment, *replies)]
    return moderation_states("comment", comments)


@register.simple_tag
def moderation_panel(user, item, role=_UNSET):
    """``{% moderation_panel user post my_role as panel %}``: what ``user`` may do to ``item`` as
    its community's owner or moderator (``None`` for anyone else). ``role`` is the person's role
    in the item's community when the page already knows it. Three queries at most."""
    if role is _UNSET:
        role = role_in(user, community_of(item))
    if not services.may_moderate(role, item):
        return None
    return panels_for([item], items.type_of(item))[item.pk]


@register.simple_tag
def comment_panels(user, post, threads, role) -> dict:
    """``{% comment_panels user post threads my_role as panels %}``: ``moderation_panel`` for each
    comment of a post's page (a comment has its post's community and level): two queries for a
    moderator, none for anyone else."""
    if not services.may_moderate(role, post):
        return {}
    comments = [c for comment, replies in threads for c in (comment, *replies) if c.status != Status.WITHDRAWN]
    if not comments:
        return {}
    return panels_for(comments, "comment")


@register.filter
def entry(mapping, key):
    """``{{ panels|entry:comment.pk }}``: a value of a dict the page built, or ``None``."""
    return mapping.get(key) if mapping else None
