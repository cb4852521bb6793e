"""Template helpers records offers the pages of the apps below it (posts)."""
from django import template

from records.declassification import is_listed, review_years

register = template.Library()


@register.simple_tag
def declassification_notice(user, item):
    """``{% declassification_notice user item as declassification %}``: for the author of an
    item listed for declassification review (SPEC §4), what the notice on its page says
    (``includes/declassification_notice.html``); ``None`` for anyone else. No query: the
    listing depends on the item's level and age."""
    if item.author_id != user.pk:
        return None
    return {"years": review_years()} if is_listed(item) else None
