"""SPEC §3: pre-moderation and the actions — who may act, what each does, the author told."""
import pytest

from communities.access import can_view
from moderation import services
from moderation.models import Flag, ModerationAction
from notifications.models import Notification
from posts.models import Comment
from posts.services import post_create

pytestmark = pytest.mark.django_db


def act(api, user, item_type, pk, action, reason="", classification=None):
    data = {"action": action, "reason": reason}
    if classification:
        data["classification"] = classification
    return api(user).post(f"/api/v1/moderation/{item_type}/{pk}/", data, format="json")


def test_premoderation_pending_then_approved_becomes_visible_to_members(cast, api, client):
    cast["a"].premoderation = True
    cast["a"].save()
    post, _w = post_create(actor=cast["author"], community=cast["a"], title="Wait", classification="confidential")
    assert post.status == "pending"
    assert not can_view(cast["reader1"], post)
    client.force_login(cast["author"])
    assert "Awaiting approval" in client.get(f"/posts/{post.pk}/").content.decode()
    # It waits in the queue.
    queue = api(cast["moderator"]).get("/api/v1/communities/a/moderation/").json()
    assert [(e["target_type"], e["target_id"], e["status"]) for e in queue["results"]] == [
        ("post", post.pk, "pending")
    ]
    response = act(api, cast["moderator"], "post", post.pk, "approve")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    post.refresh_from_db()
    assert can_view(cast["reader1"], post)
    assert api(cast["moderator"]).get("/api/v1/communities/a/moderation/").json()["count"] == 0


def test_reject_hides_the_pending_item_with_a_reason(cast, post_in, api, client):
    post = post_in(status="pending")
    assert act(api, cast["moderator"], "post", post.pk, "reject").status_code == 400  # a reason is needed
    response = act(api, cast["moderator"], "post", post.pk, "reject", reason="Off the community's purpose")
    assert response.json()["status"] == "hidden"
    post.refresh_from_db()
    assert not can_view(cast["reader1"], post) and can_view(cast["author"], post)
    client.force_login(cast["author"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    # The true state, with the reason (SPEC §3), never "hidden pending review" for a rejection.
    assert "Rejected by moderation:" in html and "Off the community&#x27;s purpose" in html
    assert "pending review" not in html
    assert ModerationAction.objects.get().reason == "Off the community's purpose"


def test_approve_only_pending_items(cast, post_in, api):
    post = post_in()
    assert act(api, cast["owner"], "post", post.pk, "approve").status_code == 400


def test_dismiss_keeps_the_item_and_closes_its_flags(cast, post_in, api):
    post = post_in()
    for name in ("reader1", "reader2", "reader3"):
        api(cast[name]).post("/api/v1/flags/", {"target_type": "post", "target_id": post.pk, "reason": "spam"})
    post.refresh_from_db()
    assert post.status == "hidden"
    response = act(api, cast["moderator"], "post", post.pk, "dismiss", reason="Not spam")
    assert response.json()["status"] == "published"
    assert not Flag.objects.filter(state="open").exists()
    assert act(api, cast["moderator"], "post", post.pk, "dismiss").status_code == 400  # nothing left


def test_hide_and_restore(cast, post_in, api):
    post = post_in()
    assert act(api, cast["moderator"], "post", post.pk, "hide").status_code == 400  # reason needed
    assert act(api, cast["moderator"], "post", post.pk, "hide", reason="Harassment").json()["status"] == "hidden"
    assert act(api, cast["moderator"], "post", post.pk, "hide", reason="again").status_code == 400
    assert act(api, cast["owner"], "post", post.pk, "restore").json()["status"] == "published"
    assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == ["hide", "restore"]


def test_comments_are_moderated_too(cast, post_in, api):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["reader2"], body="<p>Rude</p>")
    assert act(api, cast["moderator"], "comment", comment.pk, "hide", reason="Rude").json()["status"] == "hidden"
    comment.refresh_from_db()
    assert not can_view(cast["reader1"], comment) and can_view(cast["reader2"], comment)
    assert act(api, cast["moderator"], "comment", comment.pk, "reclassify", reason="x",
               classification="confidential").status_code == 400


def test_reclassify_raises_only_and_within_the_ceiling(cast, post_in, api):
    post = post_in(community="open")
    # An open community's ceiling is unclassified: nothing to raise to.
    assert act(api, cast["moderator"], "post", post.pk, "reclassify", "x", "confidential").status_code == 400
    post = post_in()
    response = act(api, cast["moderator"], "post", post.pk, "reclassify", "Budget figures", "confidential")
    assert response.status_code == 200 and response.json()["classification"] == "confidential"
    assert act(api, cast["moderator"], "post", post.pk, "reclassify", "lower", "unclassified").status_code == 400
    entry = ModerationAction.objects.get()
    assert (entry.from_level, entry.to_level) == ("unclassified", "confidential")


def test_only_owners_and_moderators_act_and_invisible_is_404(cast, post_in, api):
    post = post_in()
    assert act(api, cast["reader1"], "post", post.pk, "hide", "x").status_code == 403
    assert act(api, cast["mod_b"], "post", post.pk, "hide", "x").status_code == 404  # not a member of A
    assert act(api, cast["boss"], "post", post.pk, "hide", "x").status_code == 404  # superusers are not exempt
    assert act(api, cast["owner"], "nonsense", post.pk, "hide", "x").status_code == 404
    assert act(api, cast["owner"], "post", post.pk, "explode", "x").status_code == 400


def test_a_moderator_never_sees_a_strictly_confidential_item(cast, post_in, api):
    post = post_in(classification="strictly_confidential", status="pending")
    Flag.objects.create(target_type="post", target_id=post.pk, community=cast["a"], flagger=cast["author"],
                        reason="spam")
    assert act(api, cast["moderator"], "post", post.pk, "approve").status_code == 404
    assert api(cast["moderator"]).get("/api/v1/communities/a/moderation/").json()["count"] == 0
    owner_queue = api(cast["owner"]).get("/api/v1/communities/a/moderation/").json()
    assert [e["target_id"] for e in owner_queue["results"]] == [post.pk]
    assert act(api, cast["owner"], "post", post.pk, "approve").status_code == 200


def test_the_author_is_notified_without_content_for_confidential_items(cast, post_in, api):
    secret = post_in(title="Merger plans", classification="confidential")
    act(api, cast["moderator"], "post", secret.pk, "hide", reason="Mentions Merger plans in detail")
    note = Notification.objects.get(recipient=cast["author"])
    assert note.kind == "moderation"
    assert "Merger" not in note.message and "Confidential" in note.message
    plain = post_in(title="Lunch menu")
    act(api, cast["moderator"], "post", plain.pk, "hide", reason="Off topic")
    note = Notification.objects.filter(recipient=cast["author"]).latest("id")
    assert "Lunch menu" in note.message and "Off topic" in note.message


def test_the_queue_is_for_owners_and_moderators(cast, post_in, api):
    post_in()
    assert api(cast["reader1"]).get("/api/v1/communities/a/moderation/").status_code == 403
    assert api(cast["outsider"]).get("/api/v1/communities/a/moderation/").status_code == 404
    assert api(cast["moderator"]).get("/api/v1/communities/a/moderation/").status_code == 200


def test_the_queue_groups_flags_by_item_oldest_first_with_counts_by_reason(cast, post_in, api):
    first, second = post_in(), post_in()
    for name, item, reason in [("reader1", first, "spam"), ("reader2", second, "spam"),
                               ("reader3", first, "harassment"), ("reader1", second, "off_topic")]:
        api(cast[name]).post("/api/v1/flags/", {"target_type": "post", "target_id": item.pk, "reason": reason})
    results = api(cast["owner"]).get("/api/v1/communities/a/moderation/").json()["results"]
    assert [r["target_id"] for r in results] == [first.pk, second.pk]
    assert results[0]["flags"] == 2
    assert results[0]["reasons"]["spam"] == 1 and results[0]["reasons"]["harassment"] == 1


def test_every_action_writes_one_log_row_inside_the_service(cast, post_in):
    post = post_in()
    services.item_hide(actor=cast["owner"], item=post, reason="r")
    services.item_restore(actor=cast["owner"], item=post, reason="")
    assert ModerationAction.objects.count() == 2


def test_mentions_in_a_pending_post_are_heard_once_it_is_approved(cast, django_capture_on_commit_callbacks):
    cast["a"].premoderation = True
    cast["a"].save()
    with django_capture_on_commit_callbacks(execute=True):
        post, _w = post_create(actor=cast["author"], community=cast["a"], title="Hi", body="Ask @reader1",
                               classification="unclassified")
    assert not Notification.objects.filter(recipient=cast["reader1"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.item_approve(actor=cast["moderator"], item=post)
    assert Notification.objects.filter(recipient=cast["reader1"], kind="mention").exists()
