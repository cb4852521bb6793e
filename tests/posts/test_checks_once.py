"""Writes are checked once, in the service (posts/services/rules.py): the pages ask the same check
before they show a form, and the API before it reads input, so the refusal a person meets before
typing is the one the service would give at Save — archived, not a member, not the author, held."""
import ast
import pathlib

import pytest
from django.contrib.auth.models import Group

from posts import services
from records.holds import hold_place
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

pytestmark = pytest.mark.django_db
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    community = CommunityFactory()
    author, other = UserFactory(), UserFactory()
    add_member(community, author)
    add_member(community, other)
    post = PostFactory(community=community, author=author)
    return community, author, other, post


def _refusal(callable_, *args):
    try:
        callable_(*args)
    except Exception as error:  # noqa: BLE001 — the test compares what each path says
        return type(error), str(error)
    return None


@pytest.mark.parametrize("path", ["edit/", "delete/"])
def test_not_the_author_meets_the_services_refusal_before_typing(client, world, path):
    _community, _author, other, post = world
    client.force_login(other)
    response = client.get(f"/posts/{post.pk}/{path}")
    assert response.status_code == 403
    _kind, message = _refusal(lambda: services.post_update(actor=other, post=post, title="x"))
    assert message == "Only the author can change this post." and message in response.content.decode()


def test_archived_community_says_so_on_the_page_before_typing(client, world):
    community, author, _other, post = world
    community.is_archived = True
    community.save(update_fields=["is_archived"])
    client.force_login(author)
    response = client.get(f"/posts/{post.pk}/edit/", follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0] == post.get_absolute_url()
    assert "This community is archived and read-only." in response.content.decode()
    assert _refusal(lambda: services.post_update(actor=author, post=post, title="x"))[0] is services.ReadOnly


def test_a_held_post_shows_its_notice_on_the_edit_page_and_is_refused_at_save(client, api, world):
    _community, author, _other, post = world
    officer = UserFactory()
    officer.groups.add(Group.objects.get_or_create(name=RECORDS_OFFICERS_GROUP)[0])
    hold_place(actor=officer, target_type="post", target_id=post.pk, reason="Legal request")
    _kind, message = _refusal(lambda: services.post_update(actor=author, post=post, title="x"))
    client.force_login(author)
    response = client.get(f"/posts/{post.pk}/edit/")  # the hold's notice instead of a form
    assert response.status_code == 200 and "This item is under a records hold." in response.content.decode()
    assert 'name="title"' not in response.content.decode()
    response = client.post(f"/posts/{post.pk}/edit/", {"title": "x", "body": "y", "body_format": "markdown"},
                           follow=True)
    assert "records hold" in response.content.decode()
    post.refresh_from_db()
    assert post.title != "x"
    response = api(author).patch(f"/api/v1/posts/{post.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == message


def test_views_and_api_do_not_spell_the_write_checks_again():
    """No posts or communities page or API module compares authorship or tests ``is_archived`` to
    refuse a write: they call the services' ``require_can_write`` / ``require_can_change`` /
    ``require_can_edit_page`` / ``require_can_manage``."""
    offenders = []
    for name in ("posts/views.py", "posts/wiki_views.py", "posts/api.py", "posts/wiki_api.py",
                 "communities/views.py", "communities/api.py"):
        tree = ast.parse((ROOT / name).read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.If):
                continue
            text = ast.unparse(node.test)
            raises = any(isinstance(n, ast.Raise) for n in ast.walk(node))
            if raises and ("author_id" in text or "is_archived" in text):
                offenders.append(f"{name}:{node.lineno}: {text}")
    assert not offenders, offenders
