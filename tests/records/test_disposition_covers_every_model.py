"""Destruction is complete (SPEC §4): every model whose rows name a post, comment or wiki page is
accounted for by disposition (``records.disposition.ITEM_DEPENDENTS``: deleted by name, cascaded by
the database, or kept as a record of the records) or exempted here with its reason.

A model names an item when it has a foreign key to one (or to a model of items' history), a
``<x>_type``/``<x>_id`` pair (how notifications, flags, the moderation and access logs and the
records tables name an item), a generic foreign key or a content type with an object id (which may
name anything), or when it is an item's history table. A new such model fails the first test until
disposition handles it or it is exempted here."""
# ruff: noqa: DJ008 (the walk's sample models are never shown)
import pytest
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test.utils import isolate_apps
from guardian.utils import get_user_obj_perms_model

from posts.models import Comment, Post, PostReader, WikiPage, WikiPageReader
from records import disposition
from records.disposition import CASCADED, ITEM_DEPENDENTS

ITEMS = (Post, Comment, WikiPage)

EXEMPT = {
    "guardian.UserObjectPermission": (
        "guardian's generic per-object grants: a post's or wiki page's readers are rows of its direct-FK "
        "table (posts.PostReader, posts.WikiPageReader, which cascade), and comments have no readers"
    ),
    "guardian.GroupObjectPermission": (
        "readers are granted to people, never to groups (posts.services._set_readers)"
    ),
    "admin.LogEntry": (
        "Django's admin log: the admin pages of posts, comments and wiki pages (posts.admin, "
        "moderation.sites) are read-only, so it records no change to an item; moderation actions are "
        "in the moderation log"
    ),
    "moderation.EscalationCase": (
        "a report of the item to management (SPEC §3), kept with the moderation log it belongs to; it "
        "names the item by type and id"
    ),
}

# Models disposition should destroy and does not yet: each one here is a known defect, not a choice.
# When disposition handles one, it moves to ITEM_DEPENDENTS (the last test fails until then).
KNOWN_GAPS: dict[str, str] = {}

_ITEM_NAMES = {"post", "post_id", "comment", "comment_id", "page", "page_id", "wiki", "wiki_id", "wiki_page_id"}


def _is_item(model) -> bool:
    return model is not None and model._meta.concrete_model in ITEMS


def _is_history_of_item(model) -> bool:
    return _is_item(getattr(model, "instance_type", None))


def names_an_item(model) -> list[str]:
    """How ``model``'s rows can name a post, comment or wiki page (empty: they cannot)."""
    history_table = hasattr(model, "instance_type")  # simple-history: history_type/history_id are its own
    ways = []
    if _is_history_of_item(model):
        ways.append(f"history of {model.instance_type._meta.label}")
    fields = {name for f in model._meta.concrete_fields for name in (f.name, f.attname)}
    for f in model._meta.concrete_fields:
        if f.is_relation and (_is_item(f.related_model) or _is_history_of_item(f.related_model)):
            ways.append(f"{f.name} -> {f.related_model._meta.label}")
        elif f.is_relation and f.related_model is ContentType and ({"object_id", "object_pk"} & fields):
            ways.append(f"{f.name} + object id")
        elif not f.is_relation and f.name in _ITEM_NAMES and isinstance(f, models.IntegerField):
            ways.append(f"{f.name} (an item's id)")
        elif f.name.endswith("_type") and not f.is_relation and not history_table:
            id_name = f.name[: -len("_type")] + "_id"
            if id_name in fields:
                ways.append(f"{f.name} + {id_name}")
    ways += [f"{f.name} (generic)" for f in model._meta.private_fields if isinstance(f, GenericForeignKey)]
    return ways


def models_naming_an_item(all_models) -> dict[str, list[str]]:
    found = {}
    for model in all_models:
        if model._meta.proxy:  # its rows are its concrete model's
            continue
        ways = names_an_item(model)
        if ways:
            found[model._meta.label] = ways
    return found


def _naming_models():
    return models_naming_an_item(apps.get_models(include_auto_created=True))


def test_every_model_naming_an_item_is_handled_by_disposition_or_exempted():
    missing = {
        label: ways for label, ways in _naming_models().items()
        if label not in ITEM_DEPENDENTS and label not in EXEMPT and label not in KNOWN_GAPS
    }
    assert not missing, (
        "These models name a post, comment or wiki page, and records.disposition.ITEM_DEPENDENTS does not "
        "say what destroying the item does with them (delete them in destroy_post/destroy_wiki_page, or "
        f"cascade, and declare them; or exempt them in this test with the reason): {missing}"
    )


def test_every_declared_model_exists_and_names_an_item():
    # A renamed, moved or removed model must not leave a stale entry that covers nothing.
    naming = _naming_models()
    for table, what in (("ITEM_DEPENDENTS", ITEM_DEPENDENTS), ("EXEMPT", EXEMPT), ("KNOWN_GAPS", KNOWN_GAPS)):
        stale = sorted(label for label in what if label not in naming)
        assert not stale, f"{table} names models that do not exist or name no item: {stale}"
    assert set(ITEM_DEPENDENTS.values()) <= {disposition.DELETED, disposition.CASCADED, disposition.KEPT}


def test_cascaded_models_have_a_cascading_foreign_key_to_an_item():
    for label, how in ITEM_DEPENDENTS.items():
        if how != CASCADED:
            continue
        model = apps.get_model(label)
        cascading = [
            f for f in model._meta.concrete_fields
            if f.is_relation and _is_item(f.related_model) and f.remote_field.on_delete is models.CASCADE
        ]
        assert cascading, f"{label} is declared cascaded but has no ON DELETE CASCADE foreign key to an item"


@pytest.mark.django_db
def test_item_readers_are_the_direct_foreign_key_tables_not_guardians_generic_one():
    # What the guardian exemption rests on.
    assert get_user_obj_perms_model(Post) is PostReader
    assert get_user_obj_perms_model(WikiPage) is WikiPageReader


def test_known_gaps_are_not_also_declared_handled():
    assert not set(KNOWN_GAPS) & set(ITEM_DEPENDENTS), "a gap disposition now handles leaves KNOWN_GAPS"
    assert not set(EXEMPT) & set(ITEM_DEPENDENTS)


@isolate_apps("records")
def test_the_walk_finds_a_new_model_naming_an_item_every_way():
    class Bookmark(models.Model):
        post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "records"

    class Reaction(models.Model):
        item_type = models.CharField(max_length=16)
        item_id = models.PositiveBigIntegerField()

        class Meta:
            app_label = "records"

    class Pin(models.Model):
        content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
        object_id = models.PositiveBigIntegerField()
        target = GenericForeignKey("content_type", "object_id")

        class Meta:
            app_label = "records"

    class Excerpt(models.Model):
        comment_id = models.PositiveBigIntegerField()

        class Meta:
            app_label = "records"

    class Unrelated(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "records"

    found = models_naming_an_item([Bookmark, Reaction, Pin, Excerpt, Unrelated])
    assert set(found) == {"records.Bookmark", "records.Reaction", "records.Pin", "records.Excerpt"}
    assert "target (generic)" in found["records.Pin"]


@pytest.mark.parametrize("item", ITEMS)
def test_the_history_table_of_each_item_is_found(item):
    assert item.history.model._meta.label in _naming_models()
