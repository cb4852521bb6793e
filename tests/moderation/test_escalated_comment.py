"""SPEC §2.2, §3: an escalated comment shows system managers what the
escalation covers — the comment, its level — and nothing of its post: no title, no link to the
post's page (404 for them), no post id; nor the name or slug of a community they cannot see.
Wherever it is shown: search (page and API), the case page and list, the notification."""
import pytest

from communities.access import can_view
from moderation import services
from notifications.models import Notification
from posts.models import Comment

pytestmark = pytest.mark.django_db

TITLE = "Kestrel acquisition"


@pytest.fixture
def escalated(cast, post_in):
    post = post_in(title=TITLE, classification="confidential", body="<p>Kestrel body</p>")
    comment = Comment.objects.create(post=post, author=cast["reader1"], body="<p>Threatening remark wombat</p>")
    case = services.item_escalate(actor=cast["owner"], item=comment, reason="Threatening")
    assert can_view(cast["boss"], comment) and not can_view(cast["boss"], post)
    return {"post": post, "comment": comment, "case": case}


def _leaks(text, escalated):
    post = escalated["post"]
    return [s for s in (TITLE, "Kestrel", f"/posts/{post.pk}/", "Community A", '"a"', "/communities/a/")
            if s in text]


def test_search_shows_an_escalated_comment_without_its_posts_title_link_or_community(cast, escalated, api, client):
    response = api(cast["boss"]).get("/api/v1/search/?q=wombat")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["type"] == "comment" and result["id"] == escalated["comment"].pk
    assert result["classification"] == "confidential"
    assert TITLE not in result["title"] and result["community"] == ""
    assert "Community A" not in result["community_name"]
    assert str(escalated["post"].pk) not in result["url"].replace(str(escalated["case"].pk), "")
    assert _leaks(response.content.decode(), escalated) == []
    client.force_login(cast["boss"])
    page = client.get("/search/?q=wombat").content.decode()
    assert "wombat" in page and _leaks(page, escalated) == []


def test_search_by_the_slug_of_a_community_a_manager_cannot_see_finds_nothing(cast, escalated, api):
    assert api(cast["boss"]).get("/api/v1/search/?q=wombat&community=a").json()["results"] == []


def test_members_still_see_the_comment_under_its_post_title(cast, escalated, api):
    [result] = api(cast["reader2"]).get("/api/v1/search/?q=wombat").json()["results"]
    assert result["title"] == TITLE and result["community"] == "a"


def test_the_case_page_and_list_show_the_comment_but_nothing_of_its_post(cast, escalated, client):
    client.force_login(cast["boss"])
    page = client.get(f"/admin/moderation/escalationcase/{escalated['case'].pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Threatening remark wombat" in html
    assert _leaks(html, escalated) == []
    listing = client.get("/admin/moderation/escalationcase/").content.decode()
    assert _leaks(listing, escalated) == []


def test_the_managers_notification_names_no_community_they_cannot_see(cast, escalated, client):
    note = Notification.objects.get(recipient=cast["boss"])
    assert note.community_id is None and "Community A" not in note.message and TITLE not in note.message
    client.force_login(cast["boss"])
    inbox = client.get("/notifications/").content.decode()
    assert "reported to management" in inbox and _leaks(inbox, escalated) == []
