"""Existence oracles of both admin sites (SPEC §2.1, §2.2).

"View on site" (``r/<content type>/<id>/``) and each admin's change and history pages must answer
byte for byte the same whether an object the viewer may not see exists or not: Django's shortcut
loaded any object by id and redirected to its URL (restricted slugs, wiki slugs, tags of invisible
posts, parents of invisible comments; a withdrawn post 302 where a missing id 404).
"""
import re

import pytest
from django.contrib.contenttypes.models import ContentType

from communities.models import Role
from posts.models import Comment, Post, Tag, WikiPage
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    manager = UserFactory(username="manager", is_staff=True, is_superuser=True)
    moderator = UserFactory(username="moderator")
    owner = UserFactory(username="owner")
    secret = CommunityFactory(name="Hidden cell", slug="hidden-cell", visibility=Visibility.RESTRICTED)
    room = CommunityFactory(name="Room", slug="room", visibility=Visibility.MODERATED)
    for community in (secret, room):
        add_member(community, owner, Role.OWNER)
    add_member(room, moderator, Role.MODERATOR)
    add_member(room, manager, Role.MEMBER)
    sealed = PostFactory(community=room, author=owner, title="Sealed", classification=Level.STRICTLY_CONFIDENTIAL)
    tag = Tag.objects.create(name="only-sealed", slug="only-sealed")
    sealed.tags.add(tag)
    return {
        "manager": manager,
        "moderator": moderator,
        "visible": PostFactory(community=room, author=owner, title="Seen", classification=Level.CONFIDENTIAL),
        "invisible": {
            "community": secret,
            "post": PostFactory(community=secret, author=owner, title="Cell plan", classification=Level.CONFIDENTIAL),
            "sealed": sealed,
            "withdrawn": PostFactory(community=room, author=owner, title="Gone", classification=Level.CONFIDENTIAL,
                                     status=Status.WITHDRAWN),
            "wiki": WikiPage.objects.create(community=secret, slug="cell-wiki", title="Cell wiki",
                                            classification=Level.STRICTLY_CONFIDENTIAL, author=owner),
            "comment": Comment.objects.create(post=sealed, author=owner, body="<p>under a sealed post</p>"),
            "tag": tag,
        },
    }


def content_types():
    """Every content type of a model with a page on the site (what "view on site" could redirect to)."""
    return [ct for ct in ContentType.objects.all() if hasattr(ct.model_class() or object, "get_absolute_url")]


def missing_id(model):
    return (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def body(response) -> bytes:
    """The response's bytes, with the per-request CSRF mask (random on every response, the same
    secret underneath) set to a constant, and the page's own address (the language form's
    ``next``) to a placeholder: everything else must be identical."""
    path = response.wsgi_request.path.encode()
    return CSRF.sub(rb"\1-\2", response.content).replace(path, b"PATH")


SITES = [("/admin", "manager"), ("/moderation", "moderator")]


@pytest.mark.parametrize(("prefix", "who"), SITES)
def test_view_on_site_answers_the_same_for_an_invisible_object_and_a_missing_one(world, client, prefix, who):
    client.force_login(world[who])
    missing = {}
    for ct in content_types():
        model = ct.model_class()
        url = f"{prefix}/r/{ct.pk}/{missing_id(model)}/"
        missing[ct.pk] = client.get(url)
        assert missing[ct.pk].status_code == 404, url
    reference = next(iter(missing.values()))
    for name, obj in world["invisible"].items():
        # Under the model's own content type, and under every proxy's (the /moderation/ pages).
        for ct in content_types():
            if ct.model_class()._meta.concrete_model is not type(obj)._meta.concrete_model:
                continue
            response = client.get(f"{prefix}/r/{ct.pk}/{obj.pk}/")
            assert response.status_code == 404, (name, ct)
            assert body(response) == body(missing[ct.pk]) == body(reference), (name, ct)
    for malformed in ("x", "99999999999999999999999", "0", "1.5"):
        response = client.get(f"{prefix}/r/{malformed}/1/")
        assert response.status_code == 404 and body(response) == body(reference)


def test_view_on_site_still_opens_what_the_viewer_may_see(world, client):
    client.force_login(world["manager"])
    post = world["visible"]
    response = client.get(f"/admin/r/{ContentType.objects.get_for_model(Post).pk}/{post.pk}/")
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    client.force_login(world["moderator"])
    proxy = ContentType.objects.get(app_label="moderation", model="moderatedpost")
    response = client.get(f"/moderation/r/{proxy.pk}/{post.pk}/")
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()


@pytest.mark.parametrize("suffix", ["change/", "history/", "delete/"])
def test_admin_object_pages_answer_the_same_for_an_invisible_post_and_a_missing_one(world, client, suffix):
    client.force_login(world["manager"])
    for name in ("post", "sealed", "withdrawn"):
        obj = world["invisible"][name]
        hidden = client.get(f"/admin/posts/post/{obj.pk}/{suffix}", follow=True)
        pk = obj.pk
        Post.objects.filter(pk=pk).delete()
        gone = client.get(f"/admin/posts/post/{pk}/{suffix}", follow=True)
        assert hidden.status_code == gone.status_code
        assert hidden.redirect_chain == gone.redirect_chain
        assert body(hidden) == body(gone), name


@pytest.mark.parametrize("suffix", ["", "change/", "history/", "delete/"])
def test_the_owners_site_answers_the_same_for_an_identity_and_a_missing_one(world, client, suffix):
    """The identity provider's links are on /admin/ only: on /moderation/ an existing one and a
    missing id (and no such model at all) get the same page."""
    from unisocial.models import OIDCIdentity

    identity = OIDCIdentity.objects.create(user=world["moderator"], issuer="https://id.example.org", subject="m-1")
    client.force_login(world["moderator"])
    existing = client.get(f"/moderation/unisocial/oidcidentity/{identity.pk}/{suffix}")
    missing = client.get(f"/moderation/unisocial/oidcidentity/{missing_id(OIDCIdentity)}/{suffix}")
    nothing = client.get(f"/moderation/unisocial/nosuchmodel/{identity.pk}/{suffix}")
    assert existing.status_code == missing.status_code == nothing.status_code == 404
    assert body(existing) == body(missing)


@pytest.mark.parametrize("suffix", ["change/", "history/", "delete/"])
def test_a_deleted_identity_answers_as_a_missing_id_on_the_admin(world, client, suffix):
    from unisocial.models import OIDCIdentity

    identity = OIDCIdentity.objects.create(user=world["moderator"], issuer="https://id.example.org", subject="m-1")
    client.force_login(world["manager"])
    assert client.get(f"/admin/unisocial/oidcidentity/{identity.pk}/{suffix}").status_code == 200
    pk = identity.pk
    identity.delete()
    gone = client.get(f"/admin/unisocial/oidcidentity/{pk}/{suffix}", follow=True)
    never = client.get(f"/admin/unisocial/oidcidentity/{missing_id(OIDCIdentity)}/{suffix}", follow=True)
    assert gone.status_code == never.status_code
    assert [url for url, _ in gone.redirect_chain] == [url for url, _ in never.redirect_chain]
