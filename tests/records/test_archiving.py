"""Archiving and un-archiving a community are records actions (SPEC §4):
un-archiving is for records officers only, and both are in the records audit log; an archived
community is read-only (SPEC §2.1), reports included."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from zeal import zeal_ignore

from communities.models import Community, Role
from moderation import services as moderation
from moderation.models import Flag
from posts import services as post_services
from records import archiving
from records.models import RecordsAuditLog, StalenessReview
from records.staleness import stale_communities
from tests.factories import UserFactory, add_member

from .conftest import age, make_post, make_wiki

pytestmark = pytest.mark.django_db


def archived(community):
    Community.objects.filter(pk=community.pk).update(is_archived=True)
    community.refresh_from_db()
    return community


@pytest.fixture
def manager(community):
    user = UserFactory(username="manager", is_superuser=True, is_staff=True)
    with zeal_ignore():
        add_member(community, user, Role.OWNER)  # so that the admin shows him the community
    return user


def _admin_form(client, community):
    """The admin change form of ``community`` as the browser would post it back (every field,
    the inline's management form), with the archived box unticked."""
    response = client.get(f"/admin/communities/community/{community.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    data.pop("is_archived", None)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for inline_form in formset.formset.forms:
            for name in ("id", formset.formset.fk.name):
                value = inline_form.initial.get(name) if name != formset.formset.fk.name else community.pk
                if value is not None:
                    data[f"{inline_form.prefix}-{name}"] = getattr(value, "pk", value)
    data["_save"] = "Save"
    return data


def test_a_system_manager_cannot_unarchive_a_community_in_the_admin(community, manager, client):
    community = archived(community)
    client.force_login(manager)
    data = _admin_form(client, community)
    data["description"] = "Changed by the manager"
    response = client.post(f"/admin/communities/community/{community.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    community.refresh_from_db()
    assert community.description == "Changed by the manager"  # the form saved…
    assert community.is_archived  # …but not the archive box: it is read-only here
    assert not RecordsAuditLog.objects.exists()


def test_only_records_officers_archive_and_unarchive(community, cast, manager):
    for actor in (cast["owner"], manager):
        with pytest.raises(PermissionDenied):
            archiving.community_archive(actor=actor, community=community, reason="Project closed")
    community = archived(community)
    for actor in (cast["owner"], manager):
        with pytest.raises(PermissionDenied):
            archiving.community_unarchive(actor=actor, community=community, reason="Reopened")
    community.refresh_from_db()
    assert community.is_archived
    assert not RecordsAuditLog.objects.exists()


def test_archiving_and_unarchiving_are_in_the_records_audit_log(community, officer):
    age(community, days=800)
    with zeal_ignore():
        archiving.community_archive(actor=officer, community=community, reason="Project closed")
    community.refresh_from_db()
    assert community.is_archived and community.archived_at
    with zeal_ignore():
        archiving.community_unarchive(actor=officer, community=community, reason="Audit reopened")
    community.refresh_from_db()
    assert not community.is_archived and community.archived_at is None
    rows = list(RecordsAuditLog.objects.order_by("pk").values_list("action", "actor", "target_id", "details"))
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("community_archived", officer.pk, str(community.pk)), ("community_unarchived", officer.pk, str(community.pk)),
    ]
    assert rows[0][3]["reason"] == "Project closed" and rows[1][3]["reason"] == "Audit reopened"
    # The officer's un-archiving restarts the staleness clock, as an owner's "still in use" does.
    assert not stale_communities(now=timezone.now()).filter(pk=community.pk).exists()


def test_archiving_needs_a_reason_and_refuses_what_is_already_so(community, officer):
    with pytest.raises(ValidationError):
        archiving.community_archive(actor=officer, community=community, reason=" ")
    with pytest.raises(ValidationError):
        archiving.community_unarchive(actor=officer, community=community, reason="Not archived")
    assert not RecordsAuditLog.objects.exists()


def test_archiving_closes_an_open_staleness_flag(community, officer):
    now = timezone.now()
    StalenessReview.objects.create(community=community, last_activity_at=now, flagged_at=now, grace_until=now)
    with zeal_ignore():
        archiving.community_archive(actor=officer, community=community, reason="Closed")
    assert StalenessReview.objects.get().state == StalenessReview.State.ARCHIVED


def test_the_records_page_archives_and_unarchives(community, officer, cast, client):
    client.force_login(officer)
    assert client.get("/records/archiving/").status_code == 200
    response = client.post("/records/archiving/", {"community": community.slug, "action": "archive",
                                                   "reason": "Closed"})
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.is_archived
    html = client.get("/records/archiving/").content.decode()
    assert community.slug in html
    bad = client.post("/records/archiving/", {"community": "no-such-room", "action": "unarchive", "reason": "x"})
    assert bad.status_code == 400 and "There is no community" in bad.content.decode()
    client.post("/records/archiving/", {"community": community.slug, "action": "unarchive", "reason": "Reopened"})
    community.refresh_from_db()
    assert not community.is_archived
    client.force_login(cast["owner"])
    assert client.get("/records/archiving/").status_code == 403
    assert client.post("/records/archiving/", {"community": community.slug, "action": "archive",
                                               "reason": "x"}).status_code == 403
    community.refresh_from_db()
    assert not community.is_archived


def test_the_api_archives_and_unarchives_for_officers_only(community, officer, cast, api):
    url = f"/api/v1/records/communities/{community.slug}/"
    assert api(cast["owner"]).post(f"{url}archive/", {"reason": "x"}, format="json").status_code == 403
    assert api(officer).post(f"{url}archive/", {}, format="json").status_code == 400
    response = api(officer).post(f"{url}archive/", {"reason": "Closed"}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"] is True
    again = api(officer).post(f"{url}archive/", {"reason": "Closed"}, format="json")
    assert again.status_code == 400 and "already archived" in str(again.json())
    assert api(officer).post("/api/v1/records/communities/nope/unarchive/", {"reason": "x"},
                             format="json").status_code == 404
    response = api(officer).post(f"{url}unarchive/", {"reason": "Reopened"}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"] is False
    assert RecordsAuditLog.objects.count() == 2


# --- an archived community is read-only -------------------------------------------------------


def test_nothing_is_written_in_an_archived_community(community, cast):
    post = make_post(community, cast["author"], old=False)
    page = make_wiki(community, cast["author"], old=False)
    community = archived(community)
    post.refresh_from_db()
    page.refresh_from_db()
    refused = "archived"
    with pytest.raises(PermissionDenied, match=refused):
        post_services.post_create(actor=cast["author"], community=community, title="New", classification="confidential")
    with pytest.raises(PermissionDenied, match=refused):
        post_services.wiki_create(actor=cast["author"], community=community, title="New", classification="confidential")
    with pytest.raises(PermissionDenied, match=refused):
        post_services.comment_create(actor=cast["plain"], post=post, body="x")
    with pytest.raises(PermissionDenied, match=refused):
        post_services.post_like(actor=cast["plain"], post=post)
    with pytest.raises(PermissionDenied, match=refused):
        post_services.post_update(actor=cast["author"], post=post, title="Changed")
    with pytest.raises(PermissionDenied, match=refused):
        post_services.wiki_update(actor=cast["plain"], page=page, body="Changed")


def test_a_report_on_an_archived_communitys_post_is_refused(community, cast, api):
    post = make_post(community, cast["author"], old=False)
    archived(community)
    post.refresh_from_db()
    with pytest.raises(PermissionDenied, match="archived"):
        moderation.flag_create(actor=cast["plain"], item=post, reason="spam")
    response = api(cast["plain"]).post("/api/v1/flags/", {"target_type": "post", "target_id": post.pk,
                                                          "reason": "spam"}, format="json")
    assert response.status_code == 403
    assert "archived" in response.json()["detail"]
    assert not Flag.objects.exists()


def test_an_archived_communitys_post_page_offers_no_report_form(community, cast, client):
    post = make_post(community, cast["author"], old=False)
    client.force_login(cast["plain"])
    assert "Send report" in client.get(f"/posts/{post.pk}/").content.decode()
    archived(community)
    html = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Archived — read-only" in html and "Send report" not in html
