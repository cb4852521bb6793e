"""User-written text in a translated sentence (SPEC §7: shown with dir="auto").

``{% blocktranslate with name=person|bidi %}Follow {{ name }}{% endblocktranslate %}`` isolates the
name in a <bdi> (the browser gives it its own direction, as dir="auto" does), escaped, without
changing the sentence the translators see."""
from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bidi(value):
    if value is None or value == "":
        return value
    return format_html("<bdi>{}</bdi>", value)
