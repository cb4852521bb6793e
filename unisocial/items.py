"""What "an item" is, said once (SPEC §2.2): its type names and where each type's model lives.

Rows that speak of an item without being one (notifications, the moderation log, flags,
holds, records reviews, the records audit log) name it by ``target_type``/``target_id``.
The type names are the ones below; ``community`` is a target kind too (rows about a
community), though not an item.

Apps on any floor use this vocabulary to find an item's model, its community and its
level without importing the app that defines the model: models are resolved lazily by
label (``django.apps.apps.get_model``), and visibility is asked of the model's own
manager (``Model.objects.visible_to(user)``, the access rule), so the caller never
imports the rule either.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _

POST, COMMENT, WIKI, COMMUNITY = "post", "comment", "wiki", "community"


@dataclass(frozen=True)
class ItemType:
    """One kind of thing a row may name by type and id."""

    name: str
    label: str  # the model, "app_label.ModelName"
    community_path: str  # from the model to its community ("" : it is the community)
    level_path: str | None  # from the model to its classification (None: it has none)
    verbose_name: str = ""  # what a sentence calls it ("your post", "this wiki page")
    parent: str | None = None  # the field of the item it takes its level and audience from

    @property
    def model(self):
        return apps.get_model(self.label)

    def community_of(self, obj):
        """The community ``obj`` (an instance of this type) is in; the community itself for one."""
        return _follow(obj, self.community_path)

    def level_of(self, obj) -> str | None:
        """The level ``obj`` carries (its parent's for a comment); None for a community."""
        return _follow(obj, self.level_path) if self.level_path else None

    @property
    def is_item(self) -> bool:
        """An item proper (carries a level); a community is only a target kind."""
        return self.level_path is not None


ITEM_TYPES: dict[str, ItemType] = {
    t.name: t
    for t in (
        ItemType(POST, "posts.Post", "community", "classification", _("post")),
        # Comments take their post's level and audience (``Comment.access_parent``).
        ItemType(COMMENT, "posts.Comment", "post__community", "post__classification", _("comment"), parent="post"),
        ItemType(WIKI, "posts.WikiPage", "community", "classification", _("wiki page")),
        ItemType(COMMUNITY, "communities.Community", "", None, _("community")),
    )
}

# The item types proper (with a level): what a notification may be about.
ITEMS: tuple[str, ...] = tuple(name for name, t in ITEM_TYPES.items() if t.is_item)


def item_type(name: str) -> ItemType:
    """The type called ``name``; ``KeyError`` for an unknown one."""
    return ITEM_TYPES[name]


def _follow(obj, path: str):
    for name in path.split("__") if path else ():
        obj = getattr(obj, name)
    return obj


def type_of(obj) -> str:
    """The type name of a model instance or class (a proxy model counts as its concrete model)."""
    label = obj._meta.concrete_model._meta.label
    for t in ITEM_TYPES.values():
        if t.label == label:
            return t.name
    raise LookupError(f"{label} is not an item type")


def visible(user, type_name: str):
    """The rows of that type ``user`` may see now (the model's ``visible_to``, the access rule)."""
    return item_type(type_name).model.objects.visible_to(user)


def visible_ids(user, type_name: str):
    """The ids of ``visible(user, type_name)``, as a subquery."""
    return visible(user, type_name).values("pk")
