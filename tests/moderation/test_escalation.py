"""SPEC §2.2, §3: escalating to management — system managers are notified, see the case and the item, logged."""
import pytest

from communities.access import can_view, item_audience
from moderation import services
from moderation.models import EscalationCase
from notifications.models import Notification
from posts.models import AccessLog, Post

pytestmark = pytest.mark.django_db


def test_escalate_lets_system_managers_see_the_item_and_the_case_logged(cast, post_in, api, client):
    post = post_in(title="Threats", classification="confidential")
    boss = cast["boss"]
    assert not can_view(boss, post)  # superusers are not exempt
    response = api(cast["moderator"]).post(
        f"/api/v1/moderation/post/{post.pk}/", {"action": "escalate", "reason": "Threatening"}, format="json"
    )
    assert response.status_code == 200, response.content
    case = EscalationCase.objects.get(pk=response.json()["case_id"])
    post.refresh_from_db()
    assert post.escalated_at is not None
    assert can_view(boss, post)
    assert boss in item_audience(post)
    assert not can_view(cast["outsider"], post)
    # Notified, without content (confidential).
    note = Notification.objects.get(recipient=boss)
    assert "Threats" not in note.message and note.target_id == post.pk
    client.force_login(boss)
    inbox = client.get("/notifications/").content.decode()
    assert "reported to management" in inbox and "Threats" not in inbox
    # The case in the main admin, with the item; the view is logged.
    page = client.get(f"/admin/moderation/escalationcase/{case.pk}/change/")
    assert page.status_code == 200
    assert "Threats" in page.content.decode()
    assert AccessLog.objects.filter(user=boss, target_type="post", target_id=post.pk, via="escalation").exists()
    assert client.get("/admin/moderation/escalationcase/").status_code == 200
    # And on the site, logged too.
    assert client.get(f"/posts/{post.pk}/").status_code == 200
    assert AccessLog.objects.filter(user=boss, target_id=post.pk, via="web").exists()


def test_a_second_escalation_of_the_same_item_is_refused(cast, post_in, api):
    post = post_in()
    client = api(cast["owner"])
    url = f"/api/v1/moderation/post/{post.pk}/"
    assert client.post(url, {"action": "escalate", "reason": "x"}, format="json").status_code == 200
    assert client.post(url, {"action": "escalate", "reason": "x"}, format="json").status_code == 400


def test_resolving_the_case_ends_managements_view(cast, post_in):
    post = post_in()
    case = services.item_escalate(actor=cast["owner"], item=post, reason="x")
    assert can_view(cast["boss"], post)
    services.case_resolve(actor=cast["boss"], case=case, resolution="Handled")
    assert not can_view(cast["boss"], Post.objects.get(pk=post.pk))
    with pytest.raises(Exception):  # noqa: B017 — only system managers resolve
        services.case_resolve(actor=cast["owner"], case=case)


def test_an_escalated_comment_is_visible_to_management_but_not_a_withdrawn_one(cast, post_in):
    from posts.models import Comment

    post = post_in()
    comment = Comment.objects.create(post=post, author=cast["reader1"], body="<p>x</p>")
    services.item_escalate(actor=cast["owner"], item=comment, reason="x")
    assert can_view(cast["boss"], comment)
    assert not can_view(cast["boss"], post)  # only what was escalated
    Comment.objects.filter(pk=comment.pk).update(status="withdrawn")
    assert not can_view(cast["boss"], comment)


def test_other_staff_cannot_see_cases(cast, post_in, client):
    post = post_in()
    services.item_escalate(actor=cast["owner"], item=post, reason="x")
    cast["owner"].is_staff = True
    cast["owner"].save()
    client.force_login(cast["owner"])
    assert client.get("/admin/moderation/escalationcase/").status_code == 403
