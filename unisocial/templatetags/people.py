"""People in templates (SPEC §2.5): ``{% person_link user %}`` is a person's name (dir="auto") linked to their
profile (``/people/<username>/``), or the bare name once the account is inactive (their profile
is then 404, their content stays with its community, SPEC §7)."""

from django import template
from django.utils.html import format_html

from unisocial.links import link

register = template.Library()


@register.filter
def profile_url(person) -> str:
    """``{{ user|profile_url }}``: ``{% url "posts:profile" user.username %}``, one ``reverse`` per route."""
    return link("posts:profile", "username", person.username, "str")


@register.simple_tag
def person_link(person):
    if person is None:
        return "—"
    if not getattr(person, "is_active", True):
        return format_html('<span dir="auto">{}</span>', person)
    # dir="auto": a name keeps its own direction in a page of the other one (SPEC §7).
    return format_html('<a href="{}" dir="auto">{}</a>', profile_url(person), person)
