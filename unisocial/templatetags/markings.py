"""Classification markings and labels for templates (SPEC §2, ST/SGB/2007/6).

``{% classification_badge level %}`` is the one place a marking is rendered:
always as text ("Confidential"), with colour only as a second cue.
"""

from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.utils.translation import get_language

from unisocial.classification import Level, Role, Visibility

register = template.Library()
_LEVELS = frozenset(Level.values)


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _badge_context(level, prefix):
    return {
        "level": level if level in Level.values else "unknown",
        "label": _label(Level, level),
        "prefix": prefix,
    }


@lru_cache(maxsize=64)
def _known_badge(level, prefix, language):
    # ``language``: part of the key only (the label and the prefix are translated in it).
    return get_template("includes/classification_badge.html").render(_badge_context(level, prefix))


@register.simple_tag
def classification_badge(level, prefix=True):
    """The marking of ``level`` as a text badge (``includes/classification_badge.html``).

    ``prefix`` adds a visually hidden "Classification:" for screen readers.

    A page shows a badge per card: the few distinct badges (a level, with or without the
    prefix, in a language) are rendered once per process and reused; an unknown value is
    rendered each time.
    """
    if level in _LEVELS:
        return _known_badge(level, bool(prefix), get_language())
    return get_template("includes/classification_badge.html").render(_badge_context(level, prefix))


@register.filter
def level_label(level):
    return _label(Level, level)


@register.filter
def visibility_label(visibility):
    return _label(Visibility, visibility)


@register.filter
def role_label(role):
    return _label(Role, role) if role else ""
