"""People in templates (SPEC §2.5): ``{% person_link user %}`` is a person's name (dir="auto") linked to their
profile (``/people/<username>/``), or the bare name once the account is inactive (their profile
is then 404, their content stays with its community, SPEC §7)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def person_link(person):
    if person is None:
        return "—"
    if not getattr(person, "is_active", True):
        return format_html('<span dir="auto">{}</span>', person)
    # dir="auto": a name keeps its own direction in a page of the other one (SPEC §7).
    return format_html('<a href="{}" dir="auto">{}</a>', reverse("posts:profile", args=[person.username]), person)
