"""SPEC §3: strictly confidential items in the queue are for owners only.

A moderator who reads a strictly confidential item as a named reader may report it like anyone,
but never meets its queue entry, the other reporters' notes or the log rows about it, in the
/moderation/ pages or the API, and cannot act on it (403: she can see the item). A comment under
a strictly confidential post counts as strictly confidential.
"""
import pytest

from communities.access import can_view
from moderation import selectors, services
from moderation.models import Flag, ModerationAction
from posts.models import Comment
from tests.factories import grant_reader

pytestmark = pytest.mark.django_db

NOTE = "Another reporter wrote about Nightjar"
PAGES = [
    "/moderation/",
    "/moderation/queue/",
    "/moderation/queue/?community=a",
    "/moderation/moderation/moderatedpost/",
    "/moderation/moderation/moderatedcomment/",
    "/moderation/moderation/moderationaction/",
]


@pytest.fixture
def secret(cast, post_in):
    """A strictly confidential post of A with a comment, both reported by readers with notes; the
    moderator of A is a named reader; the owner dismissed a report once (a log row)."""
    post = post_in(title="Nightjar plan", classification="strictly_confidential")
    for name in ("moderator", "reader1", "reader2"):
        grant_reader(post, cast[name])
    comment = Comment.objects.create(post=post, author=cast["reader1"], body="<p>Nightjar comment</p>")
    for item, target_type in ((post, "post"), (comment, "comment")):
        Flag.objects.create(target_type=target_type, target_id=item.pk, community=cast["a"],
                            flagger=cast["reader2"], reason="confidentiality", note=NOTE)
    ModerationAction.objects.create(actor=cast["owner"], action="dismiss", target_type="post", target_id=post.pk,
                                    community=cast["a"], reason="Nightjar reason")
    assert can_view(cast["moderator"], post) and can_view(cast["moderator"], comment)
    return {"post": post, "comment": comment}


def act(api, user, target_type, pk, action, reason="because"):
    return api(user).post(f"/api/v1/moderation/{target_type}/{pk}/", {"action": action, "reason": reason},
                          format="json")


def test_a_moderator_who_is_a_named_reader_does_not_meet_the_item_in_the_moderation_pages(cast, secret, client):
    client.force_login(cast["moderator"])
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Nightjar" not in html and NOTE not in html, url
    assert "0 results" in client.get("/moderation/moderation/moderatedpost/?q=Nightjar").content.decode()
    for model, item in (("moderatedpost", secret["post"]), ("moderatedcomment", secret["comment"])):
        assert client.get(f"/moderation/moderation/{model}/{item.pk}/change/").status_code == 404


def test_the_owner_still_works_the_strictly_confidential_item(cast, secret, client, api):
    client.force_login(cast["owner"])
    html = client.get("/moderation/queue/").content.decode()
    assert "Nightjar plan" in html and NOTE in html
    assert "Nightjar reason" in client.get("/moderation/moderation/moderationaction/").content.decode()
    queue = api(cast["owner"]).get("/api/v1/communities/a/moderation/").json()
    assert {(e["target_type"], e["target_id"]) for e in queue["results"]} == {
        ("post", secret["post"].pk), ("comment", secret["comment"].pk)}
    assert act(api, cast["owner"], "comment", secret["comment"].pk, "dismiss").status_code == 200


def test_a_moderator_who_is_a_named_reader_gets_an_empty_queue_in_the_api(cast, secret, api):
    queue = api(cast["moderator"]).get("/api/v1/communities/a/moderation/").json()
    assert queue == {"count": 0, "results": []}
    assert selectors.moderation_queue(cast["moderator"], with_flags=True) == []


@pytest.mark.parametrize("action", ["dismiss", "hide", "escalate", "reclassify", "approve", "reject", "restore"])
@pytest.mark.parametrize("target", ["post", "comment"])
def test_a_moderator_who_is_a_named_reader_cannot_act_on_a_strictly_confidential_item(cast, secret, api, action,
                                                                                      target):
    item = secret[target]
    assert act(api, cast["moderator"], target, item.pk, action).status_code == 403
    item.refresh_from_db()
    assert item.status == "published" and item.escalated_at is None
    assert not ModerationAction.objects.filter(actor=cast["moderator"]).exists()
    assert Flag.objects.filter(target_id=item.pk, target_type=target, state="open").exists()


def test_bulk_actions_in_the_queue_skip_a_strictly_confidential_item_for_a_moderator(cast, secret, client):
    client.force_login(cast["moderator"])
    client.post("/moderation/queue/", {"selected": [f"post:{secret['post'].pk}", f"comment:{secret['comment'].pk}"],
                                       "action": "hide", "reason": "x"})
    secret["post"].refresh_from_db()
    secret["comment"].refresh_from_db()
    assert secret["post"].status == secret["comment"].status == "published"


def test_a_moderator_who_is_a_named_reader_may_report_it_but_her_report_does_not_hide_it(cast, secret, api):
    response = api(cast["moderator"]).post(
        "/api/v1/flags/", {"target_type": "post", "target_id": secret["post"].pk, "reason": "confidentiality",
                           "note": "mine"}, format="json")
    assert response.status_code == 201
    secret["post"].refresh_from_db()
    assert secret["post"].status == "published"  # an owner's or a moderator's own report hides at once; not hers
    # She reads her own report, not the other reporters' notes.
    notes = set(selectors.flags_visible_to(cast["moderator"]).values_list("note", flat=True))
    assert notes == {"mine"}
    assert NOTE in set(selectors.flags_visible_to(cast["owner"]).values_list("note", flat=True))


def test_the_log_rows_about_a_strictly_confidential_item_are_for_owners(cast, secret):
    services.item_dismiss(actor=cast["owner"], item=secret["comment"], reason="comment reason")
    assert not selectors.log_for(cast["moderator"]).filter(target_id__in=[secret["post"].pk, secret["comment"].pk])\
        .exists()
    assert set(selectors.log_for(cast["owner"]).values_list("reason", flat=True)) >= {"Nightjar reason",
                                                                                         "comment reason"}


def test_a_system_manager_who_is_a_named_reader_reads_no_other_reporters_note_in_the_admin(cast, secret, client):
    # /admin/'s flag list follows the same rule as the queue: own reports, and those of items one works.
    from communities.models import Role
    from tests.factories import add_member

    add_member(cast["a"], cast["boss"], Role.MEMBER)
    grant_reader(secret["post"], cast["boss"])
    assert can_view(cast["boss"], secret["post"])
    client.force_login(cast["boss"])
    listing = client.get("/admin/moderation/flag/")
    assert listing.status_code == 200
    assert NOTE not in listing.content.decode()
    for flag in Flag.objects.filter(flagger=cast["reader2"]):
        page = client.get(f"/admin/moderation/flag/{flag.pk}/change/")
        assert NOTE not in page.content.decode()
