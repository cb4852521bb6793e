"""Wiki pages in the browser (SPEC §2.2–2.4, §6): index, create, page, edit, history,
diff, revert and attachment downloads, all behind the access rule."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty

from communities.models import Community, Role
from posts import services
from posts.models import AccessLog, WikiPage
from posts.models.attachment import private_storage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility

SC = Level.STRICTLY_CONFIDENTIAL


@pytest.fixture
def cast(db):
    return {
        name: UserFactory(username=name)
        for name in ("owner", "moderator", "author", "plain", "outsider")
    }


def _community(cast, visibility):
    community = CommunityFactory(
        visibility=visibility, slug=f"{visibility}-room", name=f"The {visibility} room"
    )
    add_member(community, cast["owner"], Role.OWNER)
    add_member(community, cast["moderator"], Role.MODERATOR)
    add_member(community, cast["author"])
    add_member(community, cast["plain"])
    return community


@pytest.fixture
def moderated(cast):
    return _community(cast, Visibility.MODERATED)


@pytest.fixture
def restricted(cast):
    return _community(cast, Visibility.RESTRICTED)


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty


def write_page(author, community, **fields):
    fields.setdefault("title", "Handbook")
    fields.setdefault("classification", Level.UNCLASSIFIED)
    page, _warnings = services.wiki_create(actor=author, community=community, **fields)
    return page


def html(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def wiki_url(page, suffix=""):
    return f"/communities/{page.community.slug}/wiki/{page.slug}/{suffix}"


# --- invisible means 404 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix", ["", "edit/", "history/", "diff/?from={h}&to={h}", "attachments/{a}/"]
)
def test_non_member_gets_404_for_a_wiki_page_of_a_moderated_community(
    client, cast, moderated, private_root, suffix
):
    page = write_page(cast["author"], moderated, body="Members only")
    attachment = services.attachment_add(
        actor=cast["author"], item=page, upload=SimpleUploadedFile("a.txt", b"x", "text/plain")
    )
    history_id = page.history.first().history_id
    client.force_login(cast["outsider"])
    assert (
        client.get(wiki_url(page, suffix.format(h=history_id, a=attachment.pk))).status_code == 404
    )
    response = client.post(wiki_url(page, "revert/"), {"version": history_id})
    assert response.status_code == 404
    # The index exists (the community is listed) but shows nothing.
    index = html(client.get(f"/communities/{moderated.slug}/wiki/"))
    assert "Handbook" not in index
    assert "No wiki pages to show." in index


def test_moderator_gets_404_for_a_strictly_confidential_page(client, cast, restricted):
    page = write_page(cast["author"], restricted, classification=SC)
    client.force_login(cast["moderator"])
    assert client.get(wiki_url(page)).status_code == 404
    assert client.get(wiki_url(page, "history/")).status_code == 404


def test_restricted_community_wiki_is_404_for_outsiders(client, cast, restricted):
    client.force_login(cast["outsider"])
    assert client.get(f"/communities/{restricted.slug}/wiki/").status_code == 404
    assert client.get(f"/communities/{restricted.slug}/wiki/new/").status_code == 404


def test_viewing_a_strictly_confidential_page_writes_an_access_log_row(client, cast, restricted):
    page = write_page(cast["author"], restricted, classification=SC)
    client.force_login(cast["owner"])
    body = html(client.get(wiki_url(page)))
    assert "Strictly Confidential" in body
    log = AccessLog.objects.get()
    assert (log.user, log.target_type, log.target_id) == (cast["owner"], "wiki", page.pk)


# --- writing --------------------------------------------------------------------------------


def test_member_creates_a_page_through_the_form(client, cast, moderated):
    client.force_login(cast["plain"])
    form = html(client.get(f"/communities/{moderated.slug}/wiki/new/"))
    assert "— choose a level —" in form
    assert "is designed for information up to <strong>Confidential</strong>" in form
    response = client.post(
        f"/communities/{moderated.slug}/wiki/new/",
        {
            "title": "Field guide",
            "body": "## Start\nHello",
            "body_format": "markdown",
            "classification": "confidential",
        },
    )
    page = WikiPage.objects.get()
    assert response["Location"] == f"/communities/{moderated.slug}/wiki/field-guide/"
    body = html(client.get(response["Location"]))
    assert "<h2>Start</h2>" in body
    assert "Confidential" in body
    assert page.author == cast["plain"]


def test_page_form_without_a_level_shows_the_error_and_creates_nothing(client, cast, moderated):
    client.force_login(cast["plain"])
    response = client.post(
        f"/communities/{moderated.slug}/wiki/new/",
        {"title": "Field guide", "body": "x", "body_format": "markdown", "classification": ""},
    )
    assert "Choose a classification level" in html(response)
    assert not WikiPage.objects.exists()


def test_the_address_new_is_reserved(client, cast, moderated):
    client.force_login(cast["plain"])
    response = client.post(
        f"/communities/{moderated.slug}/wiki/new/",
        {"title": "New", "body": "x", "body_format": "markdown", "classification": "confidential"},
    )
    assert "This address is reserved" in html(response)
    assert not WikiPage.objects.exists()


def test_page_preview_shows_the_audience(client, cast, moderated):
    client.force_login(cast["plain"])
    response = client.post(
        f"/communities/{moderated.slug}/wiki/new/",
        {
            "title": "Guide",
            "body": "x",
            "body_format": "markdown",
            "classification": "confidential",
            "preview": "1",
        },
    )
    assert "the 4 members of The moderated room" in html(response)
    assert not WikiPage.objects.exists()


def test_archived_community_page_is_readable_but_not_editable(client, cast, moderated):
    page = write_page(cast["author"], moderated, body="Still here")
    Community.objects.filter(pk=moderated.pk).update(is_archived=True)
    client.force_login(cast["plain"])
    body = html(client.get(wiki_url(page)))
    assert "Still here" in body
    assert wiki_url(page, "edit/") not in body
    response = client.get(wiki_url(page, "edit/"), follow=True)
    assert "This community is archived and read-only." in messages_of(response)
    response = client.get(f"/communities/{moderated.slug}/wiki/new/", follow=True)
    assert "This community is archived and read-only." in messages_of(response)


def test_edit_history_diff_and_revert(client, cast, moderated):
    page = write_page(
        cast["author"],
        moderated,
        body="first line\nsecond line",
        body_format="markdown",
        classification="confidential",
    )
    client.force_login(cast["plain"])
    response = client.post(
        wiki_url(page, "edit/"),
        {
            "title": "Handbook",
            "body": "first line\nsecond line changed <script>x</script>",
            "body_format": "markdown",
            "classification": "confidential",
        },
    )
    assert response["Location"] == wiki_url(page)
    history = html(client.get(wiki_url(page, "history/")))
    revisions = list(page.history.order_by("history_date", "history_id"))
    assert len(revisions) == 2
    assert history.count('name="from"') == 2
    assert ">author</a>" in history and ">plain</a>" in history
    old, new = revisions
    diff = html(client.get(wiki_url(page, f"diff/?from={old.history_id}&to={new.history_id}")))
    assert '<span class="diff__removed">-second line</span>' in diff
    assert (
        '<span class="diff__added">+second line changed &lt;script&gt;x&lt;/script&gt;</span>'
        in diff
    )
    assert "<script>x" not in diff
    response = client.post(wiki_url(page, "revert/"), {"version": old.history_id})
    assert response["Location"] == wiki_url(page)
    page.refresh_from_db()
    assert page.body_source == "first line\nsecond line"
    assert page.history.count() == 3
    newest = page.history.order_by("-history_date", "-history_id").first()
    assert newest.body_source == "first line\nsecond line"
    assert newest.history_user == cast["plain"]
    assert f"Reverted to revision {old.history_id}" in html(client.get(wiki_url(page, "history/")))


def test_diff_of_unknown_revisions_is_404(client, cast, moderated):
    page = write_page(cast["author"], moderated)
    other = write_page(cast["author"], moderated, title="Other")
    mine = page.history.first().history_id
    theirs = other.history.first().history_id
    client.force_login(cast["plain"])
    assert client.get(wiki_url(page, f"diff/?from={mine}&to={theirs}")).status_code == 404
    assert client.get(wiki_url(page, f"diff/?from={mine}&to=nope")).status_code == 404
    assert client.get(wiki_url(page, "diff/")).status_code == 404


def test_a_revision_above_the_current_level_is_hidden_from_a_plain_member_but_shown_to_the_owner(
    client, cast, restricted
):
    page = write_page(cast["author"], restricted, body="the secret version", classification=SC)
    services.wiki_update(
        actor=cast["author"],
        page=page,
        body="the public version",
        classification="confidential",
        reason="Sanitised for the team",
    )
    secret = page.history.get(classification=SC).history_id
    public = page.history.get(classification="confidential").history_id

    client.force_login(cast["plain"])
    history = html(client.get(wiki_url(page, "history/")))
    assert history.count('name="from"') == 1
    assert "Sanitised for the team" in history
    assert "Strictly Confidential" not in history
    assert client.get(wiki_url(page, f"diff/?from={secret}&to={public}")).status_code == 404
    assert client.post(wiki_url(page, "revert/"), {"version": secret}).status_code == 404
    page.refresh_from_db()
    assert page.body_source == "the public version"

    client.force_login(cast["owner"])
    history = html(client.get(wiki_url(page, "history/")))
    assert history.count('name="from"') == 2
    assert "Strictly Confidential" in history
    diff = html(client.get(wiki_url(page, f"diff/?from={secret}&to={public}")))
    assert "-the secret version" in diff


def test_any_member_who_sees_a_page_may_edit_it_but_not_an_outsider_of_an_open_community(
    client, cast
):
    community = _community(cast, Visibility.OPEN)
    page = write_page(cast["author"], community)
    client.force_login(cast["outsider"])
    assert client.get(wiki_url(page)).status_code == 200
    assert client.get(wiki_url(page, "edit/")).status_code == 403
    client.force_login(cast["moderator"])
    assert client.get(wiki_url(page, "edit/")).status_code == 200


def test_wiki_attachment_is_a_download(client, cast, moderated, private_root):
    page = write_page(cast["author"], moderated)
    attachment = services.attachment_add(
        actor=cast["plain"],
        item=page,
        upload=SimpleUploadedFile("map.pdf", b"%PDF-1.4", "application/pdf"),
    )
    client.force_login(cast["moderator"])
    assert f"/wiki/{page.slug}/attachments/{attachment.pk}/" in html(client.get(wiki_url(page)))
    response = client.get(wiki_url(page, f"attachments/{attachment.pk}/"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_community_page_lists_its_visible_wiki_pages(client, cast, restricted):
    write_page(cast["author"], restricted, title="Open handbook", classification="confidential")
    write_page(cast["author"], restricted, title="Secret handbook", classification=SC)
    client.force_login(cast["plain"])
    body = html(client.get(f"/communities/{restricted.slug}/"))
    assert "Open handbook" in body
    assert "Secret handbook" not in body
    index = html(client.get(f"/communities/{restricted.slug}/wiki/"))
    assert "Open handbook" in index and "Secret handbook" not in index


# --- a constant number of queries -------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_wiki_history_page_query_count_is_constant(
    client, cast, moderated, n, django_assert_max_num_queries
):
    page = write_page(cast["author"], moderated, classification="confidential")
    editors = [cast["plain"], cast["moderator"], cast["owner"]]
    for i in range(n - 1):
        page, _ = services.wiki_update(actor=editors[i % 3], page=page, body=f"version {i}")
    client.force_login(cast["plain"])
    with django_assert_max_num_queries(16):
        response = client.get(wiki_url(page, "history/"))
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/communities/{moderated.slug}/wiki/").status_code == 200
