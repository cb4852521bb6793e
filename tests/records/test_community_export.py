"""Community export (SPEC §4, §6 ``communities/{slug}/export/``, ``communities/{slug}/exports/{id}/``):
an owner exports exactly what they may see, as the same BagIt package, built in Celery with
progress, downloaded through a checked view, logged, removed after 7 days."""
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from zeal import zeal_ignore

from communities.models import Community, Membership, Role
from posts import services as post_services
from posts.models import AccessLog, Post, WikiPage
from posts.models.attachment import private_storage
from records import exports, packages
from records.models import CommunityExport, RecordsAuditLog
from tests.factories import CommunityFactory, UserFactory, add_member

from .bagit_check import validate_with_bagit
from .conftest import attach, make_post, make_wiki

pytestmark = pytest.mark.django_db
State = CommunityExport.State


def html(user):
    client = Client()
    client.force_login(user)
    return client


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def content(community, cast, private_media):
    """What the community holds: items of every level, one withdrawn, comments one withdrawn."""
    author = cast["author"]
    with zeal_ignore():
        shown = make_post(community, author, level="confidential", title="Shown post", old=False)
        secret = make_post(community, author, level="strictly_confidential", title="Secret post", old=False)
        gone = make_post(community, author, level="confidential", title="Withdrawn post", old=False)
        post_services.post_withdraw(actor=author, post=gone)
        page = make_wiki(community, author, level="unclassified", title="Handbook", old=False)
        kept, _w = post_services.comment_create(actor=cast["plain"], post=shown, body="Kept comment")
        dropped, _w = post_services.comment_create(actor=cast["plain"], post=shown, body="Dropped comment")
        post_services.comment_withdraw(actor=cast["plain"], comment=dropped)
        attach(shown, author, name="Minutes.txt", content=b"the minutes")
        other = CommunityFactory(slug="elsewhere", visibility="open")
        add_member(other, cast["owner"], Role.OWNER)
        elsewhere = make_post(other, cast["owner"], level="unclassified", title="Elsewhere post", old=False)
    return {"shown": shown, "secret": secret, "gone": gone, "page": page, "kept": kept, "dropped": dropped,
            "other": other, "elsewhere": elsewhere}


def start(user, slug="audit", capture=None):
    with capture(execute=True):
        return api(user).post(f"/api/v1/communities/{slug}/export/")


def bag_of(response, tmp_path):
    data = b"".join(response.streaming_content)
    path = tmp_path / "download.zip"
    path.write_bytes(data)
    return path, validate_with_bagit(path)


def read(path, name):
    with zipfile.ZipFile(path) as z:
        root = z.namelist()[0].split("/")[0]
        return z.read(f"{root}/{name}").decode()


def test_an_owner_exports_exactly_what_they_may_see(community, cast, content, tmp_path,
                                                     django_capture_on_commit_callbacks, packages_checked_by_bagit):
    owner = cast["owner"]
    response = start(owner, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    export_id = response.json()["id"]
    assert response.json()["state"] == "queued"  # the answer is sent before the worker runs

    detail = api(owner).get(f"/api/v1/communities/audit/exports/{export_id}/").json()
    assert detail["state"] == "done" and detail["done"] == detail["total"] == 3
    assert detail["highest_classification"] == "strictly_confidential"
    assert detail["download"] == f"/api/v1/communities/audit/exports/{export_id}/download/"

    download = api(owner).get(detail["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    path, bag = bag_of(download, tmp_path)
    assert packages_checked_by_bagit  # the build was checked by the reference validator too
    files = set(bag.payload_files())
    c = content
    expected = {f"data/post-{c['shown'].pk}.json", f"data/post-{c['secret'].pk}.json", f"data/wiki-{c['page'].pk}.json"}
    assert expected <= files
    assert f"data/post-{c['gone'].pk}.json" not in files  # withdrawn: visible to nobody
    assert f"data/post-{c['elsewhere'].pk}.json" not in files  # another community
    assert any(f.endswith("-minutes.txt") for f in files)
    assert bag.info["Highest-Classification"] == "Strictly Confidential"
    shown = json.loads(read(path, f"data/post-{c['shown'].pk}.json"))
    assert [cm["body_source"] for cm in shown["comments"]] == ["Kept comment"]  # the withdrawn comment is not
    assert "<strong>STRICTLY CONFIDENTIAL</strong>" in read(path, f"data/post-{c['secret'].pk}.html")
    assert "<strong>UNCLASSIFIED</strong>" in read(path, f"data/wiki-{c['page'].pk}.html")
    community_doc = json.loads(read(path, f"data/community-{community.pk}.json"))
    assert set(community_doc["contents"]) == {f"post-{c['shown'].pk}", f"post-{c['secret'].pk}",
                                              f"wiki-{c['page'].pk}"}

    actions = list(RecordsAuditLog.objects.filter(target_type="community", target_id=str(community.pk))
                   .values_list("action", "actor__username"))
    assert ("community_export_requested", "owner") in actions
    assert ("community_export_downloaded", "owner") in actions
    assert ("community_export_built", None) in actions
    # A download is a view: the strictly confidential item is in the access log.
    assert AccessLog.objects.filter(user=owner, target_type="post", target_id=c["secret"].pk, via="export").exists()


def test_the_package_follows_the_viewers_rule_for_comments_and_revisions(community, cast, private_media):
    # The package layer with viewer=: a plain member does not get revisions recorded above the
    # current level (SPEC §2.3), the author and the owners do.
    post = make_post(community, cast["author"], level="confidential", old=False)
    with zeal_ignore():
        post_services.item_reclassify(actor=cast["author"], item=post, classification="strictly_confidential")
        post_services.item_reclassify(actor=cast["author"], item=post, classification="confidential",
                                      reason="Over-classified")
    post = packages.packaged(Post).get(pk=post.pk)
    levels = {who: [r["classification"] for r in packages.post_payload(post, cast[who])[0]["revisions"]]
              for who in ("plain", "owner", "author")}
    assert "strictly_confidential" not in levels["plain"]
    assert "strictly_confidential" in levels["owner"] and "strictly_confidential" in levels["author"]
    # The items themselves: what the rule shows that person.
    secret = make_post(community, cast["author"], level="strictly_confidential", title="Secret", old=False)
    assert secret.pk not in {o.pk for o in exports.export_items(cast["plain"], community)}
    assert secret.pk in {o.pk for o in exports.export_items(cast["owner"], community)}


def test_the_html_pages_start_show_progress_and_download(community, cast, content,
                                                        django_capture_on_commit_callbacks, tmp_path):
    owner = html(cast["owner"])
    page = owner.get("/communities/audit/exports/")
    assert page.status_code == 200
    assert b'action="/communities/audit/export/"' in page.content
    members = owner.get("/communities/audit/members/").content
    assert b'href="/communities/audit/exports/"' in members and b'action="/communities/audit/export/"' in members
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = owner.post("/communities/audit/export/")
    export = CommunityExport.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/communities/audit/exports/{export.pk}/"
    waiting = owner.get(started["Location"])
    assert b"data-export-progress" in waiting.content and b"Queued" in waiting.content
    progress = owner.get(f"/communities/audit/exports/{export.pk}/progress.json").json()
    assert progress["state"] == "queued" and progress["total"] == 0
    assert owner.get(f"/communities/audit/exports/{export.pk}/download/").status_code == 302  # not ready yet
    for callback in queued:
        callback()  # the worker runs the task
    progress = owner.get(f"/communities/audit/exports/{export.pk}/progress.json").json()
    assert progress["state"] == "done" and progress["done"] == progress["total"] == 3
    ready = owner.get(f"/communities/audit/exports/{export.pk}/")
    assert f'href="/communities/audit/exports/{export.pk}/download/"'.encode() in ready.content
    download = owner.get(f"/communities/audit/exports/{export.pk}/download/")
    assert download.status_code == 200
    bag_of(download, tmp_path)


def test_a_second_start_while_one_is_under_way_reuses_it(community, cast, private_media,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = api(cast["owner"]).post("/api/v1/communities/audit/export/").json()
        second = api(cast["owner"]).post("/api/v1/communities/audit/export/").json()
    assert first["id"] == second["id"] and CommunityExport.objects.count() == 1
    assert exports.run_export(first["id"]) == State.DONE
    assert exports.run_export(first["id"]) == State.DONE  # a second delivery leaves it alone


@pytest.mark.parametrize("who, status", [("plain", 403), ("author", 403), ("outsider", 404)])
def test_only_owners_start_an_export(community, cast, who, status, private_media):
    assert api(cast[who]).post("/api/v1/communities/audit/export/").status_code == status
    assert html(cast[who]).post("/communities/audit/export/").status_code == status
    assert html(cast[who]).get("/communities/audit/exports/").status_code == status
    assert not CommunityExport.objects.exists()
    if status == 403:  # a member sees the members page, without the owners' export button or link
        assert b"/export" not in html(cast[who]).get("/communities/audit/members/").content


def test_an_export_is_only_its_requesters_while_they_are_an_owner(community, cast, content, private_media,
                                                                   django_capture_on_commit_callbacks):
    export_id = start(cast["owner"], capture=django_capture_on_commit_callbacks).json()["id"]
    second_owner = UserFactory(username="second")
    add_member(community, second_owner, Role.OWNER)
    # Another owner of the same community: not theirs (404, like anything one may not see).
    for path in (f"/api/v1/communities/audit/exports/{export_id}/",
                 f"/api/v1/communities/audit/exports/{export_id}/download/"):
        assert api(second_owner).get(path).status_code == 404
    for path in (f"/communities/audit/exports/{export_id}/", f"/communities/audit/exports/{export_id}/download/",
                 f"/communities/audit/exports/{export_id}/progress.json"):
        assert html(second_owner).get(path).status_code == 404
    # The id under another community the requester owns: 404.
    assert api(cast["owner"]).get(f"/api/v1/communities/elsewhere/exports/{export_id}/").status_code == 404
    assert html(cast["owner"]).get(f"/communities/elsewhere/exports/{export_id}/download/").status_code == 404
    # The requester demoted: the community answers 403, the export is gone for them.
    Membership.objects.filter(user=cast["owner"], content_object_id=community.pk).update(role=Role.MEMBER)
    assert api(cast["owner"]).get(f"/api/v1/communities/audit/exports/{export_id}/").status_code == 403
    assert not CommunityExport.objects.visible_to(cast["owner"]).exists()
    downloads = RecordsAuditLog.objects.filter(action="community_export_downloaded")
    assert not downloads.exists()


def test_an_export_queued_by_an_owner_who_is_no_longer_one_is_not_built(community, cast, private_media,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export_id = api(cast["owner"]).post("/api/v1/communities/audit/export/").json()["id"]
    Membership.objects.filter(user=cast["owner"], content_object_id=community.pk).delete()
    assert exports.run_export(export_id) == State.FAILED
    export = CommunityExport.objects.get(pk=export_id)
    assert not export.file and "no longer an owner" in export.error


def test_exports_are_removed_from_storage_after_seven_days(community, cast, content, private_media,
                                                           django_capture_on_commit_callbacks, settings):
    assert settings.PERIODIC_TASKS["records: remove old community exports"]["task"] == (
        "records.tasks.expire_community_exports_task"
    )
    export_id = start(cast["owner"], capture=django_capture_on_commit_callbacks).json()["id"]
    export = CommunityExport.objects.get(pk=export_id)
    assert export.expires_at - export.finished_at == dt.timedelta(days=7)
    assert private_storage.exists(export.file)
    assert exports.expire_exports(now=timezone.now() + dt.timedelta(days=6))["removed"] == 0
    out = io.StringIO()
    as_of = (timezone.localdate() + dt.timedelta(days=8)).isoformat()
    call_command("records_sweep", "--as-of", as_of, stdout=out)
    assert "Community exports: 1 removed from storage." in out.getvalue()
    assert not private_storage.exists(export.file)
    gone = CommunityExport.objects.get(pk=export_id)
    assert gone.state == State.EXPIRED and gone.file == ""
    detail = api(cast["owner"]).get(f"/api/v1/communities/audit/exports/{export_id}/").json()
    assert detail["state"] == "expired" and detail["download"] is None
    assert api(cast["owner"]).get(f"/api/v1/communities/audit/exports/{export_id}/download/").status_code == 409
    assert RecordsAuditLog.objects.filter(action="community_export_removed").count() == 1
    from records.tasks import expire_community_exports_task

    assert expire_community_exports_task() == {"removed": 0}  # nothing twice


def test_a_destroyed_community_takes_its_exports_files_with_it(community, cast, private_media,
                                                                django_capture_on_commit_callbacks):
    # (Disposition destroys a community's items first, then the row: here there are none.)
    export_id = start(cast["owner"], capture=django_capture_on_commit_callbacks).json()["id"]
    name = CommunityExport.objects.get(pk=export_id).file
    with django_capture_on_commit_callbacks(execute=True):
        Community.objects.filter(pk=community.pk).delete()
    assert not CommunityExport.objects.filter(pk=export_id).exists()
    assert not private_storage.exists(name)


def test_a_disposition_can_discard_the_exports_holding_an_item(community, cast, content, private_media,
                                                                django_capture_on_commit_callbacks):
    export_id = start(cast["owner"], capture=django_capture_on_commit_callbacks).json()["id"]
    name = CommunityExport.objects.get(pk=export_id).file
    assert exports.discard_exports_holding("post", content["elsewhere"].pk, community.pk) == 0
    assert exports.discard_exports_holding("post", content["shown"].pk, community.pk) == 1
    assert not private_storage.exists(name)
    assert CommunityExport.objects.get(pk=export_id).state == State.EXPIRED


def test_an_export_whose_worker_went_quiet_is_replaced(community, cast, private_media, settings,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = api(cast["owner"]).post("/api/v1/communities/audit/export/").json()["id"]
    quiet = timezone.now() - dt.timedelta(seconds=settings.RECORDS_REPORT_STALL_SECONDS + 1)
    CommunityExport.objects.filter(pk=first).update(requested_at=quiet)
    page = html(cast["owner"]).get(f"/communities/audit/exports/{first}/")
    assert b"stopped answering" in page.content and b"data-export-progress" not in page.content
    with django_capture_on_commit_callbacks(execute=False):
        second = api(cast["owner"]).post("/api/v1/communities/audit/export/").json()["id"]
    assert second != first
    assert CommunityExport.objects.get(pk=first).state == State.FAILED


def test_a_damaged_file_fails_the_export_in_plain_words_and_stores_nothing(community, cast, private_media,
                                                                          django_capture_on_commit_callbacks):
    post = make_post(community, cast["author"], old=False)
    attachment = attach(post, cast["author"])
    (private_media / attachment.file.name).write_bytes(b"changed on disk")
    response = start(cast["owner"], capture=django_capture_on_commit_callbacks)
    detail = api(cast["owner"]).get(f"/api/v1/communities/audit/exports/{response.json()['id']}/").json()
    assert detail["state"] == "failed" and "checksum" in detail["error"] and detail["download"] is None
    assert not private_storage.exists("exports")


def test_purging_an_item_removes_the_exports_that_hold_it(community, cast, content, officer, private_media,
                                                           django_capture_on_commit_callbacks):
    """SPEC §4: destruction is complete — an owner's export holding the item does not outlive it."""
    from records.models import RetentionSchedule

    from .conftest import gather_and_approve, run_and_purge

    export_id = start(cast["owner"], capture=django_capture_on_commit_callbacks).json()["id"]
    name = CommunityExport.objects.get(pk=export_id).file
    assert private_storage.exists(name)
    WikiPage.objects.filter(pk=content["page"].pk).update(updated_at=timezone.now() - dt.timedelta(days=400))
    RetentionSchedule.objects.create(name="Old pages", content_type="wiki", retain_days=365, disposition="destroy")
    with django_capture_on_commit_callbacks(execute=True):
        (batch,) = gather_and_approve(officer)
        run_and_purge(batch.pk)
    assert not WikiPage.objects.filter(pk=content["page"].pk).exists()
    assert CommunityExport.objects.get(pk=export_id).state == State.EXPIRED
    assert not private_storage.exists(name)
