"""The author learns of a records hold before Edit (SPEC §4: "its page says so to those who
could otherwise change it (before they type, not at Save)"): on the item's page the notice comes
first and the Edit and Delete links are replaced by a line that says they are closed; the edit form, if reached
by its address, says so instead of offering fields; nobody else is told of the hold."""

import pytest

from records import holds

from .conftest import make_post, make_wiki

pytestmark = pytest.mark.django_db

NOTICE = "This item is under a records hold."
CLOSED = "Edit and Delete are closed by a records hold"


def _hold(officer, target_type, target_id):
    return holds.hold_place(actor=officer, target_type=target_type, target_id=target_id, reason="Legal request")


def test_the_post_page_puts_the_notice_where_edit_was(community, cast, officer, client):
    post = make_post(community, cast["author"], old=False)
    client.force_login(cast["author"])
    before = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'href="/posts/{post.pk}/edit/"' in before and CLOSED not in before
    _hold(officer, "post", post.pk)
    html = client.get(f"/posts/{post.pk}/").content.decode()
    actions = html.split('aria-label="Post actions"', 1)[1].split("</nav>", 1)[0]
    assert CLOSED in actions
    assert "/edit/" not in actions and "/delete/" not in actions
    # The notice the link points to comes before the body and the actions, so it is read first.
    assert html.index('id="records-hold"') < html.index('class="post__body') < html.index(CLOSED)


def test_the_edit_form_says_so_before_any_field(community, cast, officer, client):
    post = make_post(community, cast["author"], old=False)
    _hold(officer, "post", post.pk)
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert NOTICE in html and 'name="title"' not in html and 'name="body"' not in html


def test_a_member_who_is_not_the_author_is_not_offered_edit_nor_told(community, cast, officer, client):
    post = make_post(community, cast["author"], old=False)
    _hold(officer, "post", post.pk)
    client.force_login(cast["plain"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert CLOSED not in html and "/edit/" not in html.split('aria-label="Post actions"', 1)[1].split("</nav>")[0]


def test_the_wiki_page_puts_the_notice_where_edit_was(community, cast, officer, client):
    page = make_wiki(community, cast["author"], old=False)
    _hold(officer, "wiki", page.pk)
    client.force_login(cast["plain"])  # any member may edit a wiki page
    html = client.get(page.get_absolute_url()).content.decode()
    actions = html.split('aria-label="Page actions"', 1)[1].split("</nav>", 1)[0]
    assert "Editing is closed by a records hold" in actions and "/edit/" not in actions
    assert html.index('id="records-hold"') < html.index("Editing is closed by a records hold")
