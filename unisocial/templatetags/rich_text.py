"""``{{ html|sanitized }}``: stored rich text, cleaned again on the way out (SPEC §2.3).

Bodies are sanitized once on save; cleaning is idempotent, so cleaning again
when rendering keeps a row written around the services (an import, a fixture,
a data migration) from ever reaching a page raw — as ``posts.pages.safe_body``
does for posts and wiki pages.
"""
from django import template
from django.utils.safestring import mark_safe

from unisocial.excerpts import plain_excerpt
from unisocial.sanitize import clean_html

register = template.Library()


@register.filter
def sanitized(html) -> str:
    return mark_safe(clean_html(html or ""))  # noqa: S308 — the output of the one sanitizer


@register.filter
def excerpt(body_html) -> str:
    """``{{ post.excerpt_html|excerpt }}``: the opening of a body as plain text (escaped as usual)."""
    return plain_excerpt(body_html or "")
