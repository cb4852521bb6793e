"""Template helpers for the report form and moderation notices."""
from django import template

from moderation.models import Flag

register = template.Library()


@register.simple_tag
def report_reasons():
    """The reasons a person may give when reporting an item (SPEC §3)."""
    return Flag.Reason.choices


@register.filter
def in_set(value, collection) -> bool:
    """``{{ comment.pk|in_set:reported_comment_ids }}``: membership that tolerates a missing set."""
    return bool(collection) and value in collection
