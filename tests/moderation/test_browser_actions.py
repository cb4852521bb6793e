"""SPEC §3: every moderation action is available in the browser, with its reason (and, for
reclassify, the level): on the queue's review cards and on the item's own page, for the owners and
moderators allowed to take it, through one POST route (moderation.views.act)."""

import pytest

from communities.access import can_view
from moderation import services
from moderation.models import EscalationCase, Flag, ModerationAction
from notifications.models import Notification
from posts.models import Comment, Post, WikiPage

pytestmark = pytest.mark.django_db


def act(client, target_type, pk, action, reason="", **extra):
    return client.post(f"/moderation/act/{target_type}/{pk}/", {"action": action, "reason": reason, **extra})


def test_every_action_runs_from_the_browser_with_its_reason(cast, post_in, client):
    client.force_login(cast["owner"])
    pending = post_in(status="pending", title="Waiting")
    assert act(client, "post", pending.pk, "approve").status_code == 302
    assert Post.objects.get(pk=pending.pk).status == "published"

    rejected = post_in(status="pending")
    act(client, "post", rejected.pk, "reject", "Not for this community")
    assert Post.objects.get(pk=rejected.pk).status == "hidden"

    hidden = post_in()
    act(client, "post", hidden.pk, "hide", "Advertising")
    assert Post.objects.get(pk=hidden.pk).status == "hidden"
    act(client, "post", hidden.pk, "restore", "Checked again")
    assert Post.objects.get(pk=hidden.pk).status == "published"

    reported = post_in()
    services.flag_create(actor=cast["reader1"], item=reported, reason="spam")
    act(client, "post", reported.pk, "dismiss")
    assert not Flag.objects.filter(state="open").exists()

    raised = post_in()  # community A is restricted: any level up to strictly confidential
    act(client, "post", raised.pk, "reclassify", "Names a staff member", classification="confidential")
    assert Post.objects.get(pk=raised.pk).classification == "confidential"

    escalated = post_in()
    act(client, "post", escalated.pk, "escalate", "Possible fraud")
    assert EscalationCase.objects.filter(target_id=escalated.pk, reason="Possible fraud").exists()

    logged = list(ModerationAction.objects.order_by("id").values_list("action", "reason"))
    assert logged == [
        ("approve", ""),
        ("reject", "Not for this community"),
        ("hide", "Advertising"),
        ("restore", "Checked again"),
        ("dismiss", ""),
        ("reclassify", "Names a staff member"),
        ("escalate", "Possible fraud"),
    ]


def test_comments_and_wiki_pages_are_moderated_the_same_way(cast, post_in, client):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Rude</p>")
    page = WikiPage.objects.create(
        community=cast["a"], slug="p", title="Page", classification="unclassified", author=cast["author"]
    )
    client.force_login(cast["moderator"])
    act(client, "comment", comment.pk, "hide", "Rude")
    act(client, "wiki", page.pk, "reclassify", "Internal figures", classification="confidential")
    assert Comment.objects.get(pk=comment.pk).status == "hidden"
    assert WikiPage.objects.get(pk=page.pk).classification == "confidential"


def test_a_refusal_is_a_clear_message_and_changes_nothing(cast, post_in, client):
    post = post_in()
    client.force_login(cast["owner"])
    response = act(client, "post", post.pk, "hide")  # hide needs a reason
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Give a reason for this action." in page
    response = act(client, "post", post.pk, "reclassify", "Lower it", classification="unclassified")
    assert "Moderation can only raise the level." in client.get(response["Location"]).content.decode()
    response = act(client, "post", post.pk, "delete-everything", "x")
    assert "Unknown action." in client.get(response["Location"]).content.decode()
    assert Post.objects.get(pk=post.pk).status == "published"
    assert not ModerationAction.objects.exists()


def test_invisible_is_404_not_allowed_is_403_get_is_405(cast, post_in, client):
    post = post_in()
    secret = post_in(classification="strictly_confidential")
    client.force_login(cast["outsider"])
    assert act(client, "post", post.pk, "hide", "x").status_code == 404
    assert act(client, "post", 999999, "hide", "x").status_code == 404
    assert act(client, "poll", post.pk, "hide", "x").status_code == 404
    client.force_login(cast["reader1"])  # a member who sees it but does not moderate
    assert act(client, "post", post.pk, "hide", "x").status_code == 403
    client.force_login(cast["moderator"])  # strictly confidential: the owners' alone, invisible to her
    assert act(client, "post", secret.pk, "hide", "x").status_code == 404
    client.force_login(cast["mod_b"])  # a moderator of another community
    assert act(client, "post", post.pk, "hide", "x").status_code == 404
    assert client.get(f"/moderation/act/post/{post.pk}/").status_code == 405
    assert Post.objects.get(pk=post.pk).status == "published"


def test_back_to_the_page_the_moderator_came_from_never_elsewhere(cast, post_in, client):
    post = post_in()
    client.force_login(cast["owner"])
    response = act(client, "post", post.pk, "hide", "x", next="/moderation/queue/")
    assert response["Location"] == "/moderation/queue/"
    other = post_in()
    response = act(client, "post", other.pk, "hide", "x", next="https://evil.example/")
    assert response["Location"] == f"/posts/{other.pk}/"


def test_the_item_page_offers_the_actions_to_its_moderators_only(cast, post_in, client):
    post = post_in(title="Reported")
    services.flag_create(actor=cast["reader1"], item=post, reason="confidentiality", note="Names")
    client.force_login(cast["moderator"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/moderation/act/post/{post.pk}/"' in html
    for value in ("hide", "dismiss", "reclassify", "escalate"):
        assert f'name="action" value="{value}"' in html
    assert 'name="action" value="approve"' not in html  # not pending
    assert 'name="classification"' in html and '<option value="confidential">' in html
    assert "Confidentiality" in html  # its open reports, counted by reason
    client.force_login(cast["reader2"])
    assert "/moderation/act/" not in client.get(f"/posts/{post.pk}/").content.decode()


def test_comment_and_wiki_pages_offer_the_actions_too(cast, post_in, client):
    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["author"], body="<p>Hi</p>")
    page = WikiPage.objects.create(
        community=cast["a"], slug="p", title="Page", classification="unclassified", author=cast["author"]
    )
    client.force_login(cast["owner"])
    assert f'action="/moderation/act/comment/{comment.pk}/"' in client.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/moderation/act/wiki/{page.pk}/"' in client.get("/communities/a/wiki/p/").content.decode()


def test_the_queue_shows_one_review_card_per_item_with_a_button_per_action(cast, post_in, client):
    post = post_in(title="Cheap watches")
    services.flag_create(actor=cast["reader1"], item=post, reason="spam", note="Advertising.")
    services.flag_create(actor=cast["reader2"], item=post, reason="spam", note="Again")
    services.flag_create(actor=cast["reader3"], item=post, reason="off_topic")
    pending = post_in(title="Awaiting one", status="pending")
    client.force_login(cast["owner"])
    html = client.get("/moderation/queue/").content.decode()
    assert html.count('class="review-card"') == 2
    assert "Spam (2)" in html and "Off topic (1)" in html and "Advertising." in html and "Again" in html
    assert f'action="/moderation/act/post/{post.pk}/"' in html
    assert f'action="/moderation/act/post/{pending.pk}/"' in html
    assert 'name="action" value="approve"' in html and 'name="action" value="restore"' in html
    assert 'form="queue-bulk"' in html  # the bulk form is kept, for many items at once
    # Acting from a card comes back to the queue.
    response = act(client, "post", pending.pk, "approve", next="/moderation/queue/")
    assert response["Location"] == "/moderation/queue/"


def test_the_queue_page_costs_a_constant_number_of_queries(cast, post_in, client, django_assert_max_num_queries):
    for i in range(6):
        post = post_in(title=f"Item {i}")
        services.flag_create(actor=cast["reader1"], item=post, reason="spam", note=f"note {i}")
    for i in range(3):
        post_in(title=f"Pending {i}", status="pending")
    client.force_login(cast["owner"])
    client.get("/moderation/queue/")
    with django_assert_max_num_queries(16):
        assert client.get("/moderation/queue/").status_code == 200


def test_the_post_page_costs_a_constant_number_of_queries_for_a_moderator(
    cast, post_in, client, django_assert_max_num_queries
):
    post = post_in()
    for i in range(5):
        comment = Comment.objects.create(post=post, author=cast["author"], body=f"<p>c{i}</p>")
        services.flag_create(actor=cast["reader1"], item=comment, reason="spam")
    Comment.objects.filter(post=post).update(status="hidden")
    client.force_login(cast["owner"])
    client.get(f"/posts/{post.pk}/")
    with django_assert_max_num_queries(40):
        html = client.get(f"/posts/{post.pk}/").content.decode()
    assert html.count("/moderation/act/comment/") == 5


def test_an_escalated_item_is_not_offered_escalation_again(cast, post_in, client):
    post = post_in()
    services.item_escalate(actor=cast["owner"], item=post, reason="Fraud")
    client.force_login(cast["owner"])
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert 'name="action" value="escalate"' not in html
    assert can_view(cast["owner"], post)
    assert Notification.objects.filter(recipient=cast["boss"]).exists()


def test_an_items_page_in_the_moderation_area_offers_its_actions(cast, post_in, client):
    post = post_in(title="Reported here")
    services.flag_create(actor=cast["reader1"], item=post, reason="spam")
    client.force_login(cast["moderator"])
    html = client.get(f"/moderation/moderation/moderatedpost/{post.pk}/change/").content.decode()
    assert f'action="/moderation/act/post/{post.pk}/"' in html
    assert 'name="action" value="hide"' in html and "Spam (1)" in html
    response = act(
        client, "post", post.pk, "hide", "Spam", next=f"/moderation/moderation/moderatedpost/{post.pk}/change/"
    )
    assert response["Location"] == f"/moderation/moderation/moderatedpost/{post.pk}/change/"
    assert Post.objects.get(pk=post.pk).status == "hidden"
