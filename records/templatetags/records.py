"""Template helpers records offers the pages of the apps below it (posts)."""
from django import template
from django.apps import apps

from communities.access import role_in
from records.declassification import is_listed, review_years
from records.holds import active_holds, is_held
from records.models import ContentType

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


def _could_change(context, user, community) -> bool:
    """Whether ``user`` could change an item of ``community`` were it not held: only members
    write (the author edits and withdraws, owners and moderators moderate, members comment and
    edit wiki pages), and nobody writes in an archived community (SPEC §2.1, §2.3, §3).

    What the page already knows is used, without a query: the wiki pages' ``can_write`` (a
    member, not archived), the post page's ``my_role``; otherwise the role is looked up."""
    if community.is_archived:
        return False
    if "can_write" in context:
        return bool(context["can_write"])
    if "my_role" in context:
        return context["my_role"] is not None
    return role_in(user, community) is not None


@register.simple_tag(takes_context=True)
def records_hold(context, user, item):
    """``{% records_hold user item as held %}``: ``True`` when ``item`` (a post, wiki page or
    comment; a comment is held with its post) is under a records hold **and** ``user`` could
    otherwise change it (SPEC §4: "its page says so to those who could otherwise change it",
    before they type). The page then shows ``includes/records_hold_notice.html`` and offers no
    edit, delete, revert or comment controls; the edit forms show the notice instead of a form
    whose text would be lost at Save.

    ``False`` for everyone else — a reader who could not change the item anyway learns nothing
    of the hold — and for no item. The notice names no reason, category or officer: those are
    the records officers' (the hold list). One query (the holds), two where the page does not
    know the role."""
    if item is None or not getattr(user, "is_authenticated", False):
        return False
    community = item.post.community if isinstance(item, apps.get_model("posts", "Comment")) else item.community
    return _could_change(context, user, community) and is_held(item)


@register.simple_tag(takes_context=True)
def records_community_hold(context, user, community):
    """``{% records_community_hold user community as community_held %}``: ``True`` when the
    community itself is under a records hold and ``user`` may write in it. A new post or page
    there is allowed but held from birth (SPEC §4: a community hold covers what is created while
    it lasts): the form says so before they type — they will not be able to edit or delete it."""
    if community is None or not getattr(user, "is_authenticated", False):
        return False
    return _could_change(context, user, community) and active_holds().filter(
        target_type=ContentType.COMMUNITY, target_id=community.pk
    ).exists()
