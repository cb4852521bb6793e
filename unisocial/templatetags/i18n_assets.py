"""``{% javascript_catalog_url %}``: the address of the JavaScript catalogue for the page's language
(unisocial/i18n.py), for the <script> templates/base.html loads before the scripts that translate."""
from django import template
from django.utils.translation import get_language

from unisocial.i18n import catalogue_url

register = template.Library()


@register.simple_tag
def javascript_catalog_url():
    return catalogue_url(get_language())
