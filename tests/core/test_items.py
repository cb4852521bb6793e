"""The item vocabulary (unisocial/items.py) is the one place that says what an item is.

Moderation, records, notifications and the admin name items by ``target_type``; each of their
type lists must be a part of the vocabulary, and each must find its model, community and level
through it, so a new item type is declared once.
"""
import ast
import pathlib

import pytest

from communities.models import Community
from moderation import selectors as moderation_selectors
from moderation.models import ModeratedComment, ModeratedPost, ModeratedWikiPage, TargetType
from notifications.models import Notification
from posts.models import Comment, Post, WikiPage
from records.models import ContentType
from unisocial import items

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_target_type_list_is_part_of_the_vocabulary():
    assert set(TargetType.values) == set(items.ITEMS)
    assert set(ContentType.values) <= set(items.ITEM_TYPES)
    assert set(Notification.Target.values) - {""} <= set(items.ITEM_TYPES)  # "": about no item


def test_moderation_takes_models_and_paths_from_the_vocabulary():
    for name in TargetType.values:
        assert moderation_selectors.MODELS[name] is items.item_type(name).model
        assert moderation_selectors.COMMUNITY[name] == items.item_type(name).community_path
        assert moderation_selectors.LEVEL[name] == items.item_type(name).level_path


def test_type_of_knows_proxies_as_their_item():
    assert items.type_of(ModeratedPost) == items.POST
    assert items.type_of(ModeratedComment) == items.COMMENT
    assert items.type_of(ModeratedWikiPage) == items.WIKI
    assert items.type_of(Post) == items.POST and items.type_of(Community) == items.COMMUNITY
    with pytest.raises(LookupError):
        items.type_of(Notification)


@pytest.mark.django_db
def test_community_and_level_of_an_instance(make_post):
    post = make_post()
    comment = Comment.objects.create(post=post, author=post.author, body="x")
    page = WikiPage(community=post.community, title="t", classification=post.classification, author=post.author)
    for obj in (post, comment, page):
        kind = items.item_type(items.type_of(obj))
        assert kind.community_of(obj) == post.community
        assert kind.level_of(obj) == post.classification
    assert items.item_type(items.COMMUNITY).community_of(post.community) == post.community


def test_no_app_maps_type_names_to_models_itself():
    """A dict from a type name to a posts model outside the vocabulary is the protocol spelled again."""
    offenders = []
    models = {"Post", "Comment", "WikiPage", "Community"}
    for app in ("moderation", "records", "notifications", "feed"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Dict) and node.values and all(
                    isinstance(v, ast.Name) and v.id in models for v in node.values
                ) and len(node.values) > 1:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
