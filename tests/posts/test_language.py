"""Every post and wiki page records its language (SPEC §7): the author's unless chosen, a choice
on the forms ("Language of this text"), read and written in the API (validated), kept in the
history, and shown as lang="…" on the rendered item. A comment takes its post's language."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from communities.models import Role
from posts import services
from posts.models import Post, WikiPage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level


@pytest.fixture
def people(db):
    amina = UserFactory(username="amina", language="ar")
    chen = UserFactory(username="chen", language="zh-hans")
    nobody = UserFactory(username="nobody")  # no language chosen
    community = CommunityFactory(slug="water", visibility="moderated", ceiling=Level.UNCLASSIFIED)
    for person in (amina, chen, nobody):
        add_member(community, person, Role.OWNER if person is chen else Role.MEMBER)
    return {"amina": amina, "chen": chen, "nobody": nobody, "community": community}


def create(people, who, **kwargs):
    post, _w = services.post_create(actor=people[who], community=people["community"], title="Water", **kwargs)
    return post


def test_the_default_is_the_authors_language_else_the_sites(people, settings):
    assert create(people, "amina").language == "ar"
    assert create(people, "nobody").language == settings.LANGUAGE_CODE
    assert create(people, "amina", language="fr").language == "fr"
    page, _w = services.wiki_create(actor=people["chen"], community=people["community"], title="Guide")
    assert page.language == "zh-hans"
    # Written straight through the ORM (a script, a fixture): the save fills it the same way.
    assert Post.objects.create(community=people["community"], author=people["amina"], title="x",
                               classification=Level.UNCLASSIFIED).language == "ar"


def test_a_comment_takes_its_posts_language(people):
    post = create(people, "amina", language="es")
    comment, _w = services.comment_create(actor=people["chen"], post=post, body="Gracias")
    assert comment.language == "es"


def test_the_history_keeps_the_language_of_each_revision(people):
    post = create(people, "amina", language="fr")
    services.post_update(actor=people["amina"], post=post, language="es")
    assert list(post.history.order_by("history_date").values_list("language", flat=True)) == ["fr", "es"]


def _selected(page):
    match = re.search(r'<select name="language"[^>]*>(.*?)</select>', page, re.S)
    assert match, "no language choice on the form"
    return re.findall(r'<option value="([^"]+)"[^>]*selected', match.group(1))


def test_the_post_form_offers_the_language_defaulting_to_the_authors(client, people):
    client.force_login(people["amina"])
    page = client.get("/posts/new/?community=water").content.decode()
    # Amina reads the site in Arabic (her own language): the label in it.
    with translation.override("ar"):
        label = gettext("Language of this text")
    assert label != "Language of this text" and label in page and '<label for="id_language"' in page
    assert _selected(page) == ["ar"]
    assert "العربيّة" in page and "简体中文" in page and "Français" in page  # each named in itself
    response = client.post("/posts/new/?community=water", {
        "title": "Les puits", "body": "Les négociations", "body_format": "markdown", "language": "fr",
        "publish": "1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(title="Les puits")
    assert post.language == "fr"
    detail = client.get(post.get_absolute_url()).content.decode()
    assert '<div class="post__body rich-text" dir="auto" lang="fr">' in detail
    edit = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert _selected(edit) == ["fr"]
    response = client.post("/posts/new/?community=water", {
        "title": "Bad", "body": "x", "body_format": "markdown", "language": "xx", "publish": "1"})
    assert response.status_code == 200 and not Post.objects.filter(title="Bad").exists()
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_wiki_form_offers_the_language(client, people):
    client.force_login(people["chen"])
    page = client.get("/communities/water/wiki/new/").content.decode()
    assert _selected(page) == ["zh-hans"]
    response = client.post("/communities/water/wiki/new/", {
        "title": "指南", "slug": "guide", "body": "可持续发展", "body_format": "markdown", "language": "zh-hans",
        "publish": "1",
    })
    assert response.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    wiki = WikiPage.objects.get(title="指南")
    assert wiki.language == "zh-hans" and "持续" in wiki.segmented
    shown = client.get(wiki.get_absolute_url()).content.decode()
    assert '<div class="wiki-page__body rich-text" dir="auto" lang="zh-hans">' in shown


def test_the_api_reads_and_writes_the_language(api, people):
    client = api(people["amina"])
    response = client.post("/api/v1/posts/", {"community": "water", "title": "T", "body": "x", "language": "ru"},
                           format="json")
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "ru"
    pk = response.json()["id"]
    assert client.get(f"/api/v1/posts/{pk}/").json()["language"] == "ru"
    response = client.patch(f"/api/v1/posts/{pk}/", {"language": "es"}, format="json")
    assert response.status_code == 200 and response.json()["language"] == "es"
    response = client.patch(f"/api/v1/posts/{pk}/", {"language": "klingon"}, format="json")
    assert response.status_code == 400 and "language" in response.json()
    response = client.post("/api/v1/posts/", {"community": "water", "title": "U", "body": "x"}, format="json")
    assert response.json()["language"] == "ar"  # the author's
    written = api(people["chen"]).post(f"/api/v1/posts/{pk}/comments/", {"body": "Gracias"}, format="json")
    assert written.status_code == 201, written.content
    assert written.json()["language"] == "es"  # its post's (read-only)

    wiki = api(people["chen"]).post("/api/v1/communities/water/wiki/", {"title": "Guide", "body": "x"},
                                    format="json")
    assert wiki.status_code == 201, wiki.content
    assert wiki.json()["language"] == "zh-hans"
    slug = wiki.json()["slug"]
    changed = api(people["chen"]).put(f"/api/v1/communities/water/wiki/{slug}/", {"language": "en"},
                                      format="json")
    assert changed.status_code == 200 and changed.json()["language"] == "en"
    refused = api(people["chen"]).post("/api/v1/communities/water/wiki/", {"title": "G2", "language": "de"},
                                       format="json")
    assert refused.status_code == 400 and "language" in refused.json()


def test_configurations_and_segmentation_without_a_database():
    from posts.languages import config_for, search_query, segmented

    assert [config_for(c) for c in ("en", "fr-ca", "ru", "es", "ar", "zh-hans", "de", "")] == [
        "english", "french", "russian", "spanish", "arabic", "simple", "simple", "simple"]
    assert segmented("Water", "<p>No Chinese here.</p>") == ""  # the generated column reads the text itself
    title, body = segmented("可持续发展", "<p>各国推动可持续发展&amp;合作</p>").split("\n")
    assert {"可", "持续", "发展"} <= set(title.split()) and "&" in body and "<p>" not in body
    assert search_query("可持续 Guterres") == "可 持续 Guterres"
