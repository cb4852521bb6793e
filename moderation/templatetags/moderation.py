"""Template helpers for the report form and moderation notices (the pages of posts load them)."""
from django import template

from moderation.models import Flag
from moderation.selectors import reported_by

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
