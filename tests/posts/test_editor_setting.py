"""The editor setting (SPEC §2.3): the rich-text editor by default, Markdown for those who choose
it on their own profile; the post and wiki forms follow the choice, with no format radio."""

import pytest

from communities.models import Role
from posts import services
from tests.factories import CommunityFactory, UserFactory, add_member


@pytest.fixture
def people(db):
    amina, chen = UserFactory(username="amina"), UserFactory(username="chen")
    community = CommunityFactory(slug="water", visibility="moderated")
    add_member(community, amina)
    add_member(community, chen, Role.OWNER)
    return {"amina": amina, "chen": chen, "community": community}


def test_the_rich_editor_by_default_and_markdown_once_chosen(client, people):
    amina = people["amina"]
    client.force_login(amina)
    form = client.get("/posts/new/?community=water").content.decode()
    assert 'data-editor-mode="rich"' in form and "editor.bundle.js" in form
    assert 'type="radio" name="body_format"' not in form  # no format choice on the form
    profile = client.get("/people/amina/").content.decode()
    assert 'action="/settings/editor/"' in profile
    response = client.post("/settings/editor/", {"editor": "markdown"})
    assert response.status_code == 302 and response.url == "/people/amina/"
    amina.refresh_from_db()
    assert amina.writes_markdown
    assert 'data-editor-mode="markdown"' in client.get("/posts/new/?community=water").content.decode()
    client.post("/settings/editor/", {"editor": "rich"})
    amina.refresh_from_db()
    assert not amina.writes_markdown


def test_the_setting_is_ones_own_and_refuses_other_values(client, people):
    client.force_login(people["amina"])
    assert 'action="/settings/editor/"' not in client.get("/people/chen/").content.decode()
    response = client.post("/settings/editor/", {"editor": "html"}, follow=True)
    assert "Choose the rich-text editor or Markdown." in response.content.decode()
    people["amina"].refresh_from_db()
    assert not people["amina"].writes_markdown
    assert client.get("/settings/editor/").status_code == 405
    client.logout()
    assert client.post("/settings/editor/", {"editor": "markdown"}).status_code == 302
    assert client.get("/settings/editor/").status_code == 405


def test_editing_markdown_starts_the_editor_from_its_rendering(client, people):
    post, _ = services.post_create(
        actor=people["amina"],
        community=people["community"],
        title="Tanks",
        body="Check the **seals**",
        body_format="markdown",
        classification="unclassified",
    )
    client.force_login(people["amina"])
    page = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'data-rich-initial="&lt;p&gt;Check the &lt;strong&gt;seals&lt;/strong&gt;&lt;/p&gt;' in page
    assert "Check the **seals**</textarea>" in page  # without JavaScript: the Markdown, as before
