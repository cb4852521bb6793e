"""Classification markings and labels for templates (SPEC §2, ST/SGB/2007/6).

``{% classification_badge level %}`` is the one place a marking is rendered:
always as text ("Confidential"), with colour only as a second cue.
"""

from django import template

from unisocial.classification import Level, Role, Visibility

register = template.Library()


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""


@register.inclusion_tag("includes/classification_badge.html")
def classification_badge(level, prefix=True):
    """The marking of ``level`` as a text badge.

    ``prefix`` adds a visually hidden "Classification:" for screen readers.
    """
    return {
        "level": level if level in Level.values else "unknown",
        "label": _label(Level, level),
        "prefix": prefix,
    }


@register.filter
def level_label(level):
    return _label(Level, level)


@register.filter
def visibility_label(visibility):
    return _label(Visibility, visibility)


@register.filter
def role_label(role):
    return _label(Role, role) if role else ""
