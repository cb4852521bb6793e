"""SPEC §2.3: an item's history is visible only to those who can see the item now; a
revision recorded at a higher level than the item's current level is shown only to
the item's author and the community's owners."""

import pytest
from django.core.exceptions import ValidationError

from posts import services
from unisocial.classification import Level

pytestmark = pytest.mark.django_db

SC = Level.STRICTLY_CONFIDENTIAL


def levels_seen(user, item):
    return [h.classification for h in services.visible_history(user, item)]


@pytest.fixture
def lowered_page(communities, people):
    """A page written at strictly confidential, then lowered to confidential by its author."""
    page, _ = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Plan",
        body="the secret version",
        classification=SC,
    )
    page, _ = services.wiki_update(
        actor=people["author"],
        page=page,
        classification="confidential",
        body="the public version",
        reason="Sanitised for the team",
    )
    return page


def test_revision_recorded_above_the_current_level_is_hidden_from_a_plain_member(
    lowered_page, people
):
    history = list(services.visible_history(people["plain"], lowered_page))
    assert [h.classification for h in history] == ["confidential"]
    assert all("secret" not in h.body_source for h in history)


def test_moderators_are_not_owners_for_older_higher_revisions(lowered_page, people):
    assert levels_seen(people["moderator"], lowered_page) == ["confidential"]


@pytest.mark.parametrize("who", ["author", "owner"])
def test_author_and_owners_see_every_revision_newest_first(lowered_page, people, who):
    history = list(services.visible_history(people[who], lowered_page))
    assert [h.classification for h in history] == ["confidential", SC]
    assert history[-1].body_source == "the secret version"
    assert history[0].history_change_reason == "Sanitised for the team"


def test_outsider_gets_no_history(lowered_page, people):
    assert list(services.visible_history(people["outsider"], lowered_page)) == []


def test_no_history_for_an_item_the_user_cannot_see_now(communities, people):
    page, _ = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Board",
        body="v1",
        classification="confidential",
    )
    services.wiki_update(actor=people["author"], page=page, classification=SC)
    # The first revision was confidential, which the plain member could read then; not now.
    assert levels_seen(people["plain"], page) == []
    assert levels_seen(people["moderator"], page) == []
    assert levels_seen(people["owner"], page) == [SC, "confidential"]


def test_withdrawn_items_have_no_visible_history(communities, people):
    post, _ = services.post_create(
        actor=people["author"], community=communities["open"], title="Oops"
    )
    services.post_withdraw(actor=people["author"], post=post)
    for user in people.values():
        assert levels_seen(user, post) == []


def test_post_history_follows_the_same_rule(communities, people):
    post, _ = services.post_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Deal",
        classification=SC,
        readers=[people["plain"]],
    )
    services.item_reclassify(
        actor=people["owner"], item=post, classification="confidential", reason="ok"
    )
    assert levels_seen(people["plain"], post) == ["confidential"]
    assert levels_seen(people["author"], post) == ["confidential", SC]
    assert levels_seen(people["outsider"], post) == []


def test_a_comments_history_is_visible_with_its_post(communities, people):
    post, _ = services.post_create(
        actor=people["author"],
        community=communities["moderated"],
        title="Q",
        classification="confidential",
    )
    comment, _ = services.comment_create(actor=people["plain"], post=post, body="first")
    services.comment_update(actor=people["plain"], comment=comment, body="second")
    assert [h.body_source for h in services.visible_history(people["moderator"], comment)] == [
        "second",
        "first",
    ]
    assert list(services.visible_history(people["outsider"], comment)) == []


def test_revert_to_a_revision_the_editor_may_not_see_is_refused(lowered_page, people):
    secret = lowered_page.history.get(classification=SC)
    with pytest.raises(ValidationError):
        services.wiki_revert(actor=people["plain"], page=lowered_page, version=secret.history_id)
    lowered_page.refresh_from_db()
    assert lowered_page.body_source == "the public version"
