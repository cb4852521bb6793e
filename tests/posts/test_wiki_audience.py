"""SPEC §2.3: only a wiki page's author and its community's
owners see or change its named readers and its level, in the browser, the API and the
service; a revert restores a revision with the level and readers it was recorded with.

Roles: the author, a named reader (plain member), another member, a moderator, an owner.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities.access import can_view
from communities.models import Role
from posts import services
from posts.models import WikiPage
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility

SC = Level.STRICTLY_CONFIDENTIAL
CONF = Level.CONFIDENTIAL


@pytest.fixture
def cast(db):
    community = CommunityFactory(visibility=Visibility.RESTRICTED, slug="board", name="Board")
    people = {
        name: UserFactory(username=name)
        for name in ("owner", "moderator", "author", "reader", "other", "member")
    }
    add_member(community, people["owner"], Role.OWNER)
    add_member(community, people["moderator"], Role.MODERATOR)
    for name in ("author", "reader", "other", "member"):
        add_member(community, people[name])
    return community, people


@pytest.fixture
def sc_page(cast):
    """A strictly confidential page whose named readers are ``reader`` and ``other``."""
    community, people = cast
    page, _ = services.wiki_create(
        actor=people["author"], community=community, title="Merger plan", body="secret v1",
        classification=SC, readers=[people["reader"], people["other"]],
    )
    return page


def readers_of(page):
    return {g.user.username for g in page.reader_grants.select_related("user")}


def edit_url(page):
    return f"/communities/{page.community.slug}/wiki/{page.slug}/edit/"


def api_url(page, suffix=""):
    return f"/api/v1/communities/{page.community.slug}/wiki/{page.slug}/{suffix}"


# --- readers and level: the service ---------------------------------------------------------


def test_named_reader_cannot_add_a_reader_to_a_strictly_confidential_page(cast, sc_page):
    community, people = cast
    with pytest.raises(PermissionDenied):
        services.wiki_update(
            actor=people["reader"], page=sc_page,
            readers=[people["reader"], people["other"], people["moderator"]],
        )
    assert readers_of(sc_page) == {"reader", "other"}
    assert not can_view(people["moderator"], sc_page)


def test_named_reader_cannot_strip_the_other_readers(cast, sc_page):
    community, people = cast
    with pytest.raises(PermissionDenied):
        services.wiki_update(actor=people["reader"], page=sc_page, readers=[people["reader"]])
    assert readers_of(sc_page) == {"reader", "other"}


def test_named_reader_sending_the_current_readers_is_refused_too(cast, sc_page):
    # Accepting an unchanged list would let them test guesses of who the readers are.
    community, people = cast
    with pytest.raises(PermissionDenied):
        services.wiki_update(
            actor=people["reader"], page=sc_page, readers=[people["reader"], people["other"]]
        )


@pytest.mark.parametrize("level", [CONF, Level.UNCLASSIFIED])
def test_named_reader_cannot_lower_the_level_even_with_a_reason(cast, sc_page, level):
    community, people = cast
    with pytest.raises(PermissionDenied):
        services.wiki_update(actor=people["reader"], page=sc_page, classification=level, reason="x")
    sc_page.refresh_from_db()
    assert sc_page.classification == SC


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_member_and_moderator_cannot_change_a_pages_level_by_editing_it(cast, who):
    community, people = cast
    page, _ = services.wiki_create(
        actor=people["author"], community=community, title="Notes", classification=CONF
    )
    with pytest.raises(PermissionDenied):
        services.wiki_update(actor=people[who], page=page, classification=SC)
    page.refresh_from_db()
    assert page.classification == CONF


def test_named_reader_still_edits_the_text_and_keeps_level_and_readers(cast, sc_page):
    community, people = cast
    page, _ = services.wiki_update(
        actor=people["reader"], page=sc_page, body="secret v2", classification=SC
    )
    assert page.body_source == "secret v2"
    assert (page.classification, readers_of(page)) == (SC, {"reader", "other"})


@pytest.mark.parametrize("who", ["author", "owner"])
def test_author_and_owner_change_the_readers(cast, sc_page, who):
    community, people = cast
    services.wiki_update(actor=people[who], page=sc_page, readers=[people["reader"], people["member"]])
    assert readers_of(sc_page) == {"reader", "member"}


# --- readers and level: the HTML edit form ----------------------------------------------------


@pytest.mark.parametrize("who", ["reader", "other"])
def test_edit_form_shows_neither_readers_nor_level_to_a_named_reader(client, cast, sc_page, who):
    community, people = cast
    client.force_login(people[who])
    response = client.get(edit_url(sc_page))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="readers"' not in body
    assert 'name="classification"' not in body
    assert 'name="reason"' not in body
    # Not their number either (the audience line counted them).
    assert "named people" not in body and "named person" not in body
    assert "its author, its named readers and the community" in body


def test_edit_form_names_no_reader_to_another_reader(client, cast, sc_page):
    community, people = cast
    client.force_login(people["reader"])
    body = client.get(edit_url(sc_page)).content.decode()
    assert ">other<" not in body and "other," not in body and ", other" not in body


def test_named_reader_posting_readers_through_the_form_changes_nothing(client, cast, sc_page):
    community, people = cast
    client.force_login(people["reader"])
    response = client.post(edit_url(sc_page), {
        "title": "Merger plan", "body": "secret v2", "body_format": "markdown",
        "classification": CONF, "readers": "reader, moderator", "reason": "x",
    })
    assert response.status_code == 302
    sc_page.refresh_from_db()
    assert (sc_page.classification, readers_of(sc_page)) == (SC, {"reader", "other"})
    assert sc_page.body_source == "secret v2"
    assert not can_view(people["moderator"], sc_page)


@pytest.mark.parametrize("who", ["author", "owner"])
def test_edit_form_shows_readers_and_level_to_author_and_owner(client, cast, sc_page, who):
    community, people = cast
    client.force_login(people[who])
    body = client.get(edit_url(sc_page)).content.decode()
    assert 'name="readers"' in body and "other, reader" in body
    assert 'name="classification"' in body


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_edit_form_of_a_confidential_page_has_no_level_selector_for_others(client, cast, who):
    community, people = cast
    page, _ = services.wiki_create(
        actor=people["author"], community=community, title="Notes", classification=CONF
    )
    client.force_login(people[who])
    body = client.get(edit_url(page)).content.decode()
    assert 'name="classification"' not in body and 'name="readers"' not in body
    response = client.post(edit_url(page), {"title": "Notes", "body": "v2", "body_format": "markdown"})
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.body_source, page.classification) == ("v2", CONF)


# --- readers and level: the API -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["reader", "member", "moderator"])
def test_api_refuses_readers_from_anyone_but_author_and_owners(api, cast, who):
    community, people = cast
    page, _ = services.wiki_create(
        actor=people["author"], community=community, title="Plan", classification=SC,
        readers=[people["reader"], people["member"]] if who != "moderator" else [people["reader"]],
    )
    response = api(people[who]).put(api_url(page), {"readers": ["moderator"]}, format="json")
    # The moderator does not see the page at all: 404; the others see it: 403.
    assert response.status_code == (404 if who == "moderator" else 403)
    assert "moderator" not in readers_of(page)


def test_api_refuses_a_level_change_by_a_named_reader(api, cast, sc_page):
    community, people = cast
    response = api(people["reader"]).put(
        api_url(sc_page), {"classification": CONF, "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert WikiPage.objects.get(pk=sc_page.pk).classification == SC


def test_api_accepts_text_and_the_unchanged_level_from_a_named_reader(api, cast, sc_page):
    community, people = cast
    response = api(people["reader"]).put(
        api_url(sc_page), {"body": "v2", "classification": SC}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["readers"] == []  # the list stays the author's and owners'
    assert readers_of(sc_page) == {"reader", "other"}


@pytest.mark.parametrize("who", ["author", "owner"])
def test_api_lets_author_and_owner_change_readers(api, cast, sc_page, who):
    community, people = cast
    response = api(people[who]).put(api_url(sc_page), {"readers": ["member"]}, format="json")
    assert response.status_code == 200
    assert response.json()["readers"] == ["member"]


# --- a revert restores level and readers -----------------------------------------------------------


@pytest.fixture
def lowered(cast, sc_page):
    """The SC page (readers: reader, other), then lowered to confidential by its author."""
    community, people = cast
    page, _ = services.wiki_update(
        actor=people["author"], page=sc_page, body="public v2", classification=CONF,
        reason="Cleared for the team",
    )
    return page


def sc_revision(page):
    return page.history.filter(classification=SC).order_by("history_id").first()


def test_each_revision_records_its_readers(cast, lowered):
    community, people = cast
    revisions = list(lowered.history.order_by("history_id"))
    assert sorted(revisions[0].recorded_readers) == sorted([people["reader"].pk, people["other"].pk])
    assert revisions[-1].recorded_readers == []


@pytest.mark.parametrize("who", ["author", "owner"])
def test_revert_to_a_strictly_confidential_revision_restores_its_level_and_readers(
    cast, lowered, who
):
    community, people = cast
    page = services.wiki_revert(actor=people[who], page=lowered, version=sc_revision(lowered).history_id)
    assert page.body_source == "secret v1"
    assert page.classification == SC
    assert readers_of(page) == {"reader", "other"}
    for name in ("member", "moderator"):
        assert not can_view(people[name], page)


@pytest.mark.parametrize("who", ["member", "moderator", "reader"])
def test_strictly_confidential_text_never_comes_back_at_a_lower_level(cast, lowered, who):
    community, people = cast
    version = sc_revision(lowered).history_id
    with pytest.raises((ValidationError, PermissionDenied)):
        services.wiki_revert(actor=people[who], page=lowered, version=version)
    lowered.refresh_from_db()
    assert (lowered.body_source, lowered.classification) == ("public v2", CONF)


def test_named_reader_cannot_revert_a_strictly_confidential_page(cast, sc_page):
    community, people = cast
    first = sc_page.history.get().history_id
    services.wiki_update(actor=people["author"], page=sc_page, body="v2", readers=[people["reader"]])
    with pytest.raises(PermissionDenied):
        services.wiki_revert(actor=people["reader"], page=sc_page, version=first)
    assert readers_of(sc_page) == {"reader"}


def test_revert_drops_recorded_readers_who_left_the_community(cast, lowered):
    community, people = cast
    community.memberships.filter(user=people["other"]).delete()
    page = services.wiki_revert(
        actor=people["author"], page=lowered, version=sc_revision(lowered).history_id
    )
    assert readers_of(page) == {"reader"}


def test_html_revert_restores_the_level_and_the_lowering_form_asks_a_reason(client, cast, lowered):
    community, people = cast
    client.force_login(people["owner"])
    history_url = f"/communities/{community.slug}/wiki/{lowered.slug}/history/"
    revert_url = f"/communities/{community.slug}/wiki/{lowered.slug}/revert/"
    response = client.post(revert_url, {"version": sc_revision(lowered).history_id})
    lowered.refresh_from_db()
    assert (lowered.classification, readers_of(lowered)) == (SC, {"reader", "other"})
    # Back down to the confidential revision: a lowering, which needs a reason.
    conf = lowered.history.filter(classification=CONF).first()
    # The revert's confirmation page asks it (SPEC §2.5: a revert asks first).
    assert f"{revert_url}?version={conf.history_id}" in client.get(history_url).content.decode()
    assert 'name="reason"' in client.get(f"{revert_url}?version={conf.history_id}").content.decode()
    response = client.post(revert_url, {"version": conf.history_id}, follow=True)
    assert "Give a reason" in response.content.decode()
    lowered.refresh_from_db()
    assert lowered.classification == SC
    client.post(revert_url, {"version": conf.history_id, "reason": "Back to the cleared text"})
    lowered.refresh_from_db()
    assert (lowered.classification, lowered.body_source, readers_of(lowered)) == (CONF, "public v2", set())
    assert lowered.history.order_by("-history_id").first().history_change_reason.endswith(
        "Back to the cleared text"
    )


def test_api_revert_restores_level_and_takes_a_reason_for_lowering(api, cast, lowered):
    community, people = cast
    client = api(people["author"])
    response = client.post(
        api_url(lowered, "revert/"), {"version": sc_revision(lowered).history_id}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["classification"] == SC
    assert response.json()["readers"] == ["other", "reader"]
    conf = lowered.history.filter(classification=CONF).first().history_id
    refused = client.post(api_url(lowered, "revert/"), {"version": conf}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    done = client.post(api_url(lowered, "revert/"), {"version": conf, "reason": "ok"}, format="json")
    assert done.status_code == 200 and done.json()["classification"] == CONF


def test_api_revert_of_a_revision_above_the_page_is_400_for_a_member(api, cast, lowered):
    community, people = cast
    response = api(people["member"]).post(
        api_url(lowered, "revert/"), {"version": sc_revision(lowered).history_id}, format="json"
    )
    assert response.status_code == 400
    assert WikiPage.objects.get(pk=lowered.pk).classification == CONF


# --- posts: only the author edits, so only the author changes readers and level there -----------


@pytest.mark.parametrize("who", ["reader", "owner", "moderator", "member"])
def test_nobody_but_the_author_changes_a_posts_readers_by_editing_it(api, cast, who):
    community, people = cast
    post, _ = services.post_create(
        actor=people["author"], community=community, title="Deal", classification=SC,
        readers=[people["reader"], people["member"]],
    )
    response = api(people[who]).patch(
        f"/api/v1/posts/{post.pk}/", {"readers": ["moderator"]}, format="json"
    )
    assert response.status_code == (404 if who == "moderator" else 403)
    with pytest.raises(PermissionDenied):
        services.post_update(actor=people[who], post=post, readers=[people["moderator"]])
    assert {g.user.username for g in post.reader_grants.select_related("user")} == {"reader", "member"}


def test_named_reader_preview_shows_no_reader_count(client, cast, sc_page):
    community, people = cast
    client.force_login(people["reader"])
    response = client.post(edit_url(sc_page), {
        "title": "Merger plan", "body": "draft", "body_format": "markdown", "preview": "1",
    })
    body = response.content.decode()
    assert response.status_code == 200 and "Preview" in body and "draft" in body
    assert "named people" not in body and "named person" not in body
    sc_page.refresh_from_db()
    assert sc_page.body_source == "secret v1"


def test_a_page_raised_to_strictly_confidential_leaves_its_title_made_address(cast):
    # Otherwise a new page of that title would take "-2" and tell its writer the hidden one exists.
    community, people = cast
    page, _ = services.wiki_create(actor=people["author"], community=community, title="Heron plan",
                                   classification=CONF)
    assert page.slug == "heron-plan"
    page = services.item_reclassify(actor=people["author"], item=page, classification=SC)
    assert services.RANDOM_WIKI_ADDRESS.fullmatch(page.slug)
    again, _ = services.wiki_create(actor=people["member"], community=community, title="Heron plan",
                                    classification=CONF)
    assert again.slug == "heron-plan"
