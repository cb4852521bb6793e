"""Wiki page addresses: title-made, chosen, or random for a strictly confidential page
(SPEC §2.4: no existence oracle)."""
import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from unisocial.classification import Level

from ..models import WikiPage

# Addresses the wiki routes use themselves (/communities/<slug>/wiki/new/).
RESERVED_WIKI_SLUGS = frozenset({"new"})


WIKI_ADDRESS_TAKEN = _lazy("This address is not available; choose another.")


def _wiki_address(community, title, slug, level) -> str:
    """The address of a new page, chosen so that it tells nothing of pages the author cannot
    see (SPEC §2.2, invisible means nonexistent):

    * a strictly confidential page left without an explicit address gets a random one
      (``page-1f3a9c0b``), so its title cannot be guessed by trying addresses;
    * an address made from the title takes the first free suffix (``plan``, ``plan-2``, …);
    * an address typed explicitly that any page holds, visible or not, gets one answer
      which names no page: addresses are not secret (the form says so).
    """
    explicit = bool((slug or "").strip())
    if not explicit and level == Level.STRICTLY_CONFIDENTIAL:
        return _random_wiki_address(community)
    base = slugify(slug or title)[:80]
    if not base:
        raise ValidationError({"slug": _("Give the page an address made of letters or digits.")})
    if base in RESERVED_WIKI_SLUGS:
        raise ValidationError({"slug": _("“%(slug)s” is reserved; choose another address.") % {"slug": base}})
    taken = WikiPage.objects.filter(community=community, slug=base)
    if explicit:
        if taken.exists():
            raise ValidationError({"slug": str(WIKI_ADDRESS_TAKEN)})
        return base
    held = set(
        WikiPage.objects.filter(community=community, slug__startswith=base).values_list("slug", flat=True)
    )
    candidate, n = base, 1
    while candidate in held or candidate in RESERVED_WIKI_SLUGS:
        n += 1
        suffix = f"-{n}"
        candidate = f"{base[:80 - len(suffix)]}{suffix}"
    return candidate


RANDOM_WIKI_ADDRESS = re.compile(r"page-[0-9a-f]{8}")


def _random_wiki_address(community) -> str:
    while True:
        candidate = f"page-{secrets.token_hex(4)}"
        if not WikiPage.objects.filter(community=community, slug=candidate).exists():
            return candidate


def _readdress_when_raised(item, old_level) -> None:
    """A wiki page raised to strictly confidential leaves the address it had (made from its
    title, or typed) for a random one, as if it had been written at that level: otherwise a
    new page of the same title would take the next suffix and tell its writer that a page
    they cannot see holds that title (SPEC §2.2). Links to the old address answer
    404, as the page itself now does to everyone outside its audience."""
    if (isinstance(item, WikiPage) and item.classification == Level.STRICTLY_CONFIDENTIAL
            and old_level != Level.STRICTLY_CONFIDENTIAL and not RANDOM_WIKI_ADDRESS.fullmatch(item.slug)):
        item.slug = _random_wiki_address(item.community)
