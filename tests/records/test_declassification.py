"""Declassification review (SPEC §4, ST/SGB/2007/6): listing, decisions, holds, pages, API.

Confidential items older than 20 years are listed for declassification, strictly
confidential ones for review; nothing is automatic; a declassification is a logged
change by the author or a records officer. Records officers see metadata only.
"""
import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm
from zeal import zeal_ignore

from communities.access import can_view
from communities.models import Role
from notifications.models import Notification
from posts import services as post_services
from posts.models import Post, WikiPage
from records import declassification, holds
from records.models import DeclassificationReview, Hold, RecordsAuditLog
from tests.factories import CommunityFactory, UserFactory, add_member

from .conftest import make_post, make_wiki

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Xochiquetzalminutes"
SECRET_BODY = "Secret body"


def older_than(years, days=0):
    return declassification.years_before(timezone.now(), years) - dt.timedelta(days=days)


def created(item, when):
    """Set ``item``'s creation date (and last activity) to ``when``, bypassing auto_now."""
    type(item).objects.filter(pk=item.pk).update(created_at=when, updated_at=when)
    item.refresh_from_db()
    return item


def old_post(community, author, level="confidential", title=SECRET_TITLE, **kwargs):
    return created(make_post(community, author, level=level, title=title, old=False, **kwargs), older_than(20, 1))


def old_wiki(community, author, level="confidential", title=SECRET_TITLE):
    return created(make_wiki(community, author, level=level, title=title, old=False), older_than(20, 1))


def listed_keys(**filters):
    return {(r["target_type"], r["target_id"]) for r in declassification.due_for_review(**filters)}


def snapshot(item):
    item.refresh_from_db()
    return (item.classification, item.history.count(), DeclassificationReview.objects.count(),
            RecordsAuditLog.objects.count(), sorted(item.reader_grants.values_list("user_id", flat=True)))


@pytest.fixture
def elsewhere(cast):
    """Another restricted community the officer is not in, with its own author."""
    with zeal_ignore():
        c = CommunityFactory(visibility="restricted", slug="vault", name="Vault")
        add_member(c, cast["outsider"], Role.OWNER)
    return c


# --- listing ---------------------------------------------------------------------------------


def test_confidential_items_over_20_years_are_listed_for_declassification(community, cast):
    post = old_post(community, cast["author"])
    page = old_wiki(community, cast["author"])
    rows = {(r["target_type"], r["target_id"]): r for r in declassification.due_for_review()}
    assert set(rows) == {("post", post.pk), ("wiki", page.pk)}
    assert declassification.listed_for(rows[("post", post.pk)]["level"]) == "Declassification"


def test_strictly_confidential_items_over_20_years_are_listed_for_review(community, cast):
    post = old_post(community, cast["author"], level="strictly_confidential")
    (row,) = declassification.due_for_review()
    assert (row["target_id"], row["level"]) == (post.pk, "strictly_confidential")
    assert declassification.listed_for(row["level"]) == "Review"


def test_items_younger_than_20_years_and_unclassified_items_are_not_listed(community, cast):
    created(make_post(community, cast["author"], old=False), older_than(19))
    created(make_post(community, cast["author"], old=False), older_than(20, -1))  # a day short of 20 years
    old_post(community, cast["author"], level="unclassified")
    assert listed_keys() == set()


def test_the_period_is_a_setting(community, cast, settings):
    post = created(make_post(community, cast["author"], old=False), older_than(11))
    assert listed_keys() == set()
    settings.DECLASSIFICATION_REVIEW_YEARS = 10
    assert listed_keys() == {("post", post.pk)}


def test_withdrawn_items_are_listed_they_are_kept_for_records(community, cast):
    post = old_post(community, cast["author"])
    Post.objects.filter(pk=post.pk).update(status="withdrawn")
    (row,) = declassification.due_for_review()
    assert (row["target_id"], row["status"]) == (post.pk, "withdrawn")


def test_filters_by_level_type_community_and_review(community, cast, officer, elsewhere):
    conf = old_post(community, cast["author"])
    sc = old_post(community, cast["author"], level="strictly_confidential")
    page = old_wiki(community, cast["author"])
    there = old_post(elsewhere, cast["outsider"])
    assert listed_keys(level="strictly_confidential") == {("post", sc.pk)}
    assert listed_keys(target_type="wiki") == {("wiki", page.pk)}
    assert listed_keys(community_id=elsewhere.pk) == {("post", there.pk)}
    declassification.keep(actor=officer, item=conf, reason="Still sensitive")
    assert listed_keys(review="reviewed") == {("post", conf.pk)}
    assert listed_keys(review="unreviewed") == {("post", sc.pk), ("wiki", page.pk), ("post", there.pk)}
    counts = declassification.review_counts()
    assert (counts["confidential"], counts["strictly_confidential"], counts["reviewed"]) == (3, 1, 1)


# --- declassify by a records officer ----------------------------------------------------------


def test_an_officer_declassifies_a_listed_item_logged_in_history_review_and_audit(community, cast, officer):
    post = old_post(community, cast["author"])
    updated = post.updated_at
    review = declassification.declassify(actor=officer, item=post, to_level="unclassified",
                                         reason="No longer sensitive after 20 years")
    post.refresh_from_db()
    assert post.classification == "unclassified"
    assert post.updated_at == updated  # not activity: the retention clock does not restart
    latest = post.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Declassified (ST/SGB/2007/6): No longer sensitive after 20 years"
    assert latest.history_user == officer and latest.classification == "unclassified"
    assert (review.decision, review.from_level, review.to_level, review.decided_by) == (
        "declassified", "confidential", "unclassified", officer)
    assert (review.target_type, review.target_id, review.community_id) == ("post", post.pk, community.pk)
    entry = RecordsAuditLog.objects.get(action="declassified")
    assert (entry.actor, entry.target_id, entry.details["to_level"]) == (officer, str(post.pk), "unclassified")
    # The list now shows it reviewed at its current level? No: unclassified items leave the list.
    assert listed_keys() == set()


def test_leaving_strictly_confidential_drops_the_reader_grants(community, cast, officer):
    post = old_post(community, cast["author"], level="strictly_confidential", readers=[cast["plain"]])
    assert post.reader_grants.count() == 1
    declassification.declassify(actor=officer, item=post, to_level="confidential", reason="Reviewed")
    post.refresh_from_db()
    assert post.classification == "confidential" and post.reader_grants.count() == 0
    # Still listed (confidential, over 20 years), and reviewed at that level.
    (row,) = declassification.due_for_review()
    assert (row["level"], row["latest_decision"], row["latest_to_level"]) == (
        "confidential", "declassified", "confidential")
    assert listed_keys(review="reviewed") == {("post", post.pk)}


def test_the_access_rule_follows_the_new_level(community, cast, officer):
    """A member who could not see a strictly confidential item sees it once it is confidential;
    the revisions recorded at the higher level stay hidden from them (SPEC §2.3)."""
    page = old_wiki(community, cast["author"], level="strictly_confidential")
    assert not can_view(cast["plain"], page)
    declassification.declassify(actor=officer, item=page, to_level="confidential", reason="Reviewed")
    page.refresh_from_db()
    assert can_view(cast["plain"], page)
    assert not can_view(cast["outsider"], page)
    levels = set(post_services.visible_history(cast["plain"], page).values_list("classification", flat=True))
    assert levels == {"confidential"}


def test_an_officer_acts_on_items_of_communities_they_cannot_see(community, cast, officer, elsewhere):
    post = old_post(elsewhere, cast["outsider"], level="strictly_confidential")
    assert not can_view(officer, post)
    item = declassification.load_target(actor=officer, target_type="post", target_id=post.pk)
    declassification.declassify(actor=officer, item=item, to_level="confidential", reason="Reviewed")
    post.refresh_from_db()
    assert post.classification == "confidential"
    assert not can_view(officer, post)  # acting on it did not make it visible


def test_the_author_is_notified_without_title(community, cast, officer):
    post = old_post(community, cast["author"], level="strictly_confidential")
    declassification.declassify(actor=officer, item=post, to_level="confidential", reason=SECRET_TITLE)
    (note,) = Notification.objects.filter(recipient=cast["author"])
    assert note.kind == "records" and note.classification == "confidential"
    assert SECRET_TITLE not in note.message and "Confidential" in note.message


def test_declassifying_a_withdrawn_item_is_allowed_for_officers(community, cast, officer):
    post = old_post(community, cast["author"])
    Post.objects.filter(pk=post.pk).update(status="withdrawn")
    declassification.declassify(actor=officer, item=post, to_level="unclassified", reason="Archival transfer")
    post.refresh_from_db()
    assert post.classification == "unclassified"
    assert not Notification.objects.filter(recipient=cast["author"]).exists()  # nobody sees a withdrawn item


def test_declassifying_in_an_archived_community_is_a_records_action(community, cast, officer):
    post = old_post(community, cast["author"])
    type(community).objects.filter(pk=community.pk).update(is_archived=True)
    post.refresh_from_db()
    declassification.declassify(actor=officer, item=post, to_level="unclassified", reason="Reviewed")
    post.refresh_from_db()
    assert post.classification == "unclassified"


# --- by the author ---------------------------------------------------------------------------


def test_the_author_declassifies_their_own_listed_item(community, cast):
    post = old_post(community, cast["author"], level="strictly_confidential")
    review = declassification.declassify(actor=cast["author"], item=post, to_level="confidential",
                                         reason="I wrote it; it is no longer sensitive")
    post.refresh_from_db()
    assert post.classification == "confidential" and review.decided_by == cast["author"]
    assert RecordsAuditLog.objects.get(action="declassified").details["by"] == "author"


def test_lowering_a_listed_item_through_the_edit_path_is_recorded_as_a_declassification(community, cast):
    post = old_post(community, cast["author"])
    post_services.post_update(actor=cast["author"], post=post, classification="unclassified",
                              reason="Declassified by its author")
    review = DeclassificationReview.objects.get()
    assert (review.target_id, review.from_level, review.to_level, review.decided_by) == (
        post.pk, "confidential", "unclassified", cast["author"])
    page = old_wiki(community, cast["author"], level="strictly_confidential")
    post_services.item_reclassify(actor=cast["owner"], item=page, classification="confidential", reason="Reviewed")
    assert DeclassificationReview.objects.filter(target_type="wiki", target_id=page.pk,
                                                 decided_by=cast["owner"]).exists()


def test_lowering_an_item_that_is_not_listed_writes_no_review(community, cast):
    post = make_post(community, cast["author"], old=False)
    post_services.post_update(actor=cast["author"], post=post, classification="unclassified", reason="Public now")
    assert not DeclassificationReview.objects.exists()


def test_a_refused_edit_leaves_no_review_behind(community, cast):
    post = old_post(community, cast["author"])
    with pytest.raises(ValidationError):
        post_services.post_update(actor=cast["author"], post=post, classification="unclassified",
                                  reason="Lowered", title="")
    assert not DeclassificationReview.objects.exists()


# --- refused, nothing changed ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["plain", "owner", "moderator", "superuser"])
def test_others_cannot_declassify_and_nothing_changes(community, cast, who):
    post = old_post(community, cast["author"])
    if who == "moderator":
        actor = UserFactory(username="mod")
        with zeal_ignore():
            add_member(community, actor, Role.MODERATOR)
    elif who == "superuser":
        actor = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        actor = cast[who]
    before = snapshot(post)
    expected = Http404 if who == "superuser" else PermissionDenied  # the superuser is not a member
    with pytest.raises(expected):
        declassification.declassify(actor=actor, item=post, to_level="unclassified", reason="Because")
    with pytest.raises(expected):
        declassification.keep(actor=actor, item=post, reason="Because")
    assert snapshot(post) == before


def test_the_author_path_treats_an_invisible_item_as_not_found(community, cast):
    post = old_post(community, cast["author"])
    Post.objects.filter(pk=post.pk).update(status="withdrawn")
    post.refresh_from_db()
    with pytest.raises(Http404):
        declassification.declassify(actor=cast["author"], item=post, to_level="unclassified", reason="x")
    with pytest.raises(Http404):
        declassification.load_target(actor=cast["author"], target_type="post", target_id=post.pk)


def test_the_author_cannot_record_kept(community, cast):
    post = old_post(community, cast["author"])
    with pytest.raises(PermissionDenied):
        declassification.keep(actor=cast["author"], item=post, reason="Keep it")
    assert not DeclassificationReview.objects.exists()


@pytest.mark.parametrize("to_level", ["confidential", "strictly_confidential", "secret", None])
def test_a_level_not_lower_is_refused(community, cast, officer, to_level):
    post = old_post(community, cast["author"])
    before = snapshot(post)
    with pytest.raises(ValidationError) as caught:
        declassification.declassify(actor=officer, item=post, to_level=to_level, reason="Because")
    assert "to_level" in caught.value.message_dict
    assert snapshot(post) == before


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 2001])
def test_a_reason_is_required(community, cast, officer, reason):
    post = old_post(community, cast["author"])
    before = snapshot(post)
    with pytest.raises(ValidationError) as caught:
        declassification.declassify(actor=officer, item=post, to_level="unclassified", reason=reason)
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        declassification.keep(actor=officer, item=post, reason=reason)
    assert snapshot(post) == before


def test_an_item_not_old_enough_is_refused_with_a_clear_message(community, cast, officer):
    post = created(make_post(community, cast["author"], old=False), older_than(19))
    before = snapshot(post)
    with pytest.raises(ValidationError, match="not in the declassification review list"):
        declassification.declassify(actor=officer, item=post, to_level="unclassified", reason="Because")
    with pytest.raises(ValidationError, match="not in the declassification review list"):
        declassification.declassify(actor=cast["author"], item=post, to_level="unclassified", reason="Because")
    assert snapshot(post) == before


def test_an_unclassified_item_is_refused(community, cast, officer):
    post = old_post(community, cast["author"], level="unclassified")
    with pytest.raises(ValidationError, match="only confidential and strictly confidential"):
        declassification.keep(actor=officer, item=post, reason="Because")


# --- kept ------------------------------------------------------------------------------------


def test_an_officer_records_a_review_that_keeps_the_level(community, cast, officer):
    post = old_post(community, cast["author"], level="strictly_confidential", readers=[cast["plain"]])
    history = post.history.count()
    review = declassification.keep(actor=officer, item=post, reason="Still sensitive: personnel matter")
    post.refresh_from_db()
    assert (review.decision, review.from_level, review.to_level) == ("kept", "strictly_confidential",
                                                                     "strictly_confidential")
    assert post.classification == "strictly_confidential" and post.reader_grants.count() == 1
    assert post.history.count() == history
    assert RecordsAuditLog.objects.filter(action="declassification_kept", target_id=str(post.pk)).exists()
    assert listed_keys(review="reviewed") == {("post", post.pk)}


def test_raising_a_kept_item_again_makes_it_unreviewed_at_its_new_level(community, cast, officer):
    post = old_post(community, cast["author"])
    declassification.keep(actor=officer, item=post, reason="Still sensitive")
    Post.objects.filter(pk=post.pk).update(classification="strictly_confidential")
    assert listed_keys(review="unreviewed") == {("post", post.pk)}


# --- holds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["investigation", "legal_request", "access_request", "other"])
@pytest.mark.parametrize("on", ["post", "community"])
def test_a_hold_blocks_a_declassification(community, cast, officer, category, on):
    post = old_post(community, cast["author"])
    target = post.pk if on == "post" else community.pk
    holds.hold_place(actor=officer, target_type=on, target_id=target, reason="Hold", category=category)
    before = snapshot(post)
    with pytest.raises(ValidationError, match="records hold"):
        declassification.declassify(actor=officer, item=post, to_level="unclassified", reason="Because")
    assert snapshot(post) == before
    # Keeping changes nothing on the item: allowed under any hold.
    declassification.keep(actor=officer, item=post, reason="Reviewed while held")


def test_a_declassification_request_hold_lets_the_declassification_it_was_placed_for_go_ahead(
    community, cast, officer,
):
    post = old_post(community, cast["author"])
    hold = holds.hold_place(actor=officer, target_type="post", target_id=post.pk, reason="Request from the archives",
                            category=Hold.Category.DECLASSIFICATION_REQUEST)
    # The hold keeps it from ordinary edits (and from disposition) meanwhile.
    with pytest.raises(PermissionDenied, match="records hold"):
        post_services.item_reclassify(actor=cast["author"], item=post, classification="unclassified", reason="x")
    declassification.declassify(actor=officer, item=post, to_level="unclassified", reason="Request granted")
    post.refresh_from_db()
    assert post.classification == "unclassified"
    assert RecordsAuditLog.objects.get(action="declassified").details["declassification_request_holds"] == [hold.pk]
    assert holds.is_held(post)  # released by the officer, as its own logged step
    # With another hold as well, the declassification waits.
    other = old_wiki(community, cast["author"])
    holds.hold_place(actor=officer, target_type="wiki", target_id=other.pk, reason="Request",
                     category=Hold.Category.DECLASSIFICATION_REQUEST)
    holds.hold_place(actor=officer, target_type="community", target_id=community.pk, reason="Legal",
                     category=Hold.Category.LEGAL_REQUEST)
    with pytest.raises(ValidationError, match="records hold"):
        declassification.declassify(actor=officer, item=other, to_level="unclassified", reason="Request granted")


def test_nothing_is_declassified_automatically(community, cast, officer):
    """No job changes a level: the daily sweep leaves listed items as they are."""
    from django.core.management import call_command

    post = old_post(community, cast["author"])
    with zeal_ignore():
        call_command("records_sweep")
    post.refresh_from_db()
    assert post.classification == "confidential" and not DeclassificationReview.objects.exists()


# --- the page --------------------------------------------------------------------------------


@pytest.fixture
def listed(community, cast, elsewhere):
    return [
        old_post(community, cast["author"]),
        old_post(community, cast["author"], level="strictly_confidential", readers=[cast["plain"]]),
        old_wiki(community, cast["author"]),
        old_post(elsewhere, cast["outsider"], level="strictly_confidential"),
    ]


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get("/records/declassification/")
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who", ["plain", "owner", "author", "superuser"])
def test_the_page_is_for_records_officers_only(client, listed, cast, who):
    user = UserFactory(username="root", is_superuser=True, is_staff=True) if who == "superuser" else cast[who]
    client.force_login(user)
    before = snapshot(listed[0])
    assert client.get("/records/declassification/").status_code == 403
    assert client.get("/records/declassification/?format=csv").status_code == 403
    response = client.post("/records/declassification/", {
        "target_type": "post", "target_id": listed[0].pk, "decision": "declassified", "to_level": "unclassified",
        "reason": "x"})
    assert response.status_code == 403
    assert snapshot(listed[0]) == before


def test_the_page_lists_metadata_only_never_titles_or_bodies(client, listed, officer, community):
    client.force_login(officer)
    response = client.get("/records/declassification/")
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET_TITLE not in html and SECRET_BODY not in html
    for item in listed:
        label = "Post" if isinstance(item, Post) else "Wiki page"
        assert f'Declassify<span class="visually-hidden"> {label} {item.pk}</span>' in html
    assert "Strictly Confidential" in html and "vault" in html and "audit" in html
    exported = client.get("/records/declassification/?format=csv").content
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0][:4] == ["type", "id", "community", "classification"]
    assert len(rows) == 1 + len(listed)
    assert SECRET_TITLE not in str(rows) and SECRET_BODY not in str(rows)
    assert {r[4] for r in rows[1:]} == {"declassification", "review"}


def test_the_page_filters_and_counts(client, listed, officer):
    client.force_login(officer)
    response = client.get("/records/declassification/?level=strictly_confidential&type=post")
    rows = response.context["rows"]
    assert {r["target_id"] for r in rows} == {listed[1].pk, listed[3].pk}
    counts = response.context["counts"]
    assert [(c["level"], c["listed"]) for c in counts["levels"]] == [("confidential", 2),
                                                                     ("strictly_confidential", 2)]
    response = client.get("/records/declassification/?community=vault")
    assert [r["target_id"] for r in response.context["rows"]] == [listed[3].pk]
    response = client.get("/records/declassification/?community=no-such-place")
    assert response.status_code == 200 and "There is no community" in response.content.decode()


def test_an_officer_declassifies_from_the_page(client, listed, officer):
    client.force_login(officer)
    sc = listed[1]
    response = client.post("/records/declassification/?type=post", {
        "target_type": "post", "target_id": sc.pk, "decision": "declassified", "to_level": "confidential",
        "reason": "Reviewed: no longer sensitive"}, follow=True)
    assert response.redirect_chain[-1][0] == "/records/declassification/?type=post"
    assert f"Post {sc.pk} declassified from Strictly Confidential to Confidential." in response.content.decode()
    sc.refresh_from_db()
    assert sc.classification == "confidential" and sc.reader_grants.count() == 0


def test_an_officer_keeps_from_the_page(client, listed, officer):
    client.force_login(officer)
    response = client.post("/records/declassification/", {
        "target_type": "wiki", "target_id": listed[2].pk, "decision": "kept", "to_level": "unclassified",
        "reason": "Still sensitive"}, follow=True)
    assert "reviewed and kept at Confidential" in response.content.decode()
    assert DeclassificationReview.objects.get().decision == "kept"
    listed[2].refresh_from_db()
    assert listed[2].classification == "confidential"


@pytest.mark.parametrize("data,message", [
    ({"decision": "declassified", "to_level": "unclassified", "reason": ""}, "Give the reason"),
    ({"decision": "declassified", "to_level": "confidential", "reason": "x"}, "Choose a level lower than"),
    ({"decision": "declassified", "to_level": "", "reason": "x"}, "Choose a level lower than"),
    ({"decision": "shred", "to_level": "unclassified", "reason": "x"}, "Select a valid choice"),
])
def test_a_refused_decision_re_renders_the_page_with_errors_and_changes_nothing(
    client, listed, officer, data, message,
):
    client.force_login(officer)
    post = listed[0]
    before = snapshot(post)
    response = client.post("/records/declassification/", {"target_type": "post", "target_id": post.pk, **data})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and f"Nothing was changed on post {post.pk}" in html
    assert 'aria-invalid="true"' in html
    assert snapshot(post) == before


def test_a_decision_on_a_missing_or_young_item_is_refused_on_the_page(client, community, cast, officer):
    client.force_login(officer)
    young = make_post(community, cast["author"], old=False)
    for target_id, message in [(999999, "There is no such item."), (young.pk, "not in the declassification")]:
        response = client.post("/records/declassification/", {
            "target_type": "post", "target_id": target_id, "decision": "declassified", "to_level": "unclassified",
            "reason": "x"})
        assert response.status_code == 400 and message in response.content.decode()
    young.refresh_from_db()
    assert young.classification == "confidential"


def test_the_list_page_runs_a_constant_number_of_queries(client, community, cast, officer,
                                                         django_assert_max_num_queries):
    client.force_login(officer)

    def seed(start, n):
        for i in range(start, start + n):
            item = old_post(community, cast["author"], level=["confidential", "strictly_confidential"][i % 2],
                            title=f"t{i}") if i % 3 else old_wiki(community, cast["author"], title=f"w{i}")
            if i % 4 == 0:
                DeclassificationReview.objects.create(
                    target_type="post" if isinstance(item, Post) else "wiki", target_id=item.pk,
                    community_id=community.pk, decision="kept", from_level=item.classification,
                    to_level=item.classification, reason="r", decided_by=officer)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed(0, 5)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/records/declassification/").status_code == 200
    seed(5, 45)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/records/declassification/")
    assert response.status_code == 200 and len(response.context["rows"]) == 50
    assert len(few) <= 15


# --- the API ---------------------------------------------------------------------------------

URL = "/api/v1/records/declassification/"


def test_api_lists_metadata_only_for_officers(api, listed, officer):
    response = api(officer).get(URL)
    assert response.status_code == 200
    assert response.data["count"] == len(listed)
    first = response.data["results"][0]
    assert set(first) >= {"type", "id", "community", "classification", "listed_for", "created_at",
                          "latest_decision", "reviewed"}
    assert SECRET_TITLE not in response.content.decode() and SECRET_BODY not in response.content.decode()
    response = api(officer).get(URL, {"level": "strictly_confidential", "community": "vault"})
    assert [r["id"] for r in response.data["results"]] == [listed[3].pk]
    assert api(officer).get(URL, {"level": "secret"}).status_code == 400


def test_api_lists_to_an_author_only_their_own_visible_items(api, listed, cast):
    response = api(cast["author"]).get(URL)
    assert {r["id"] for r in response.data["results"]} == {listed[0].pk, listed[1].pk, listed[2].pk}
    assert api(cast["plain"]).get(URL).data["count"] == 0


def test_api_officer_declassifies_201(api, listed, officer):
    response = api(officer).post(URL, {"target_type": "post", "target_id": listed[3].pk,
                                       "decision": "declassified", "to_level": "confidential",
                                       "reason": "Reviewed"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["decision"] == "declassified" and response.data["community"] == "vault"
    assert response.data["decided_by"] == "officer"
    response = api(officer).post(URL, {"target_type": "wiki", "target_id": listed[2].pk, "decision": "kept",
                                       "reason": "Still sensitive"}, format="json")
    assert response.status_code == 201 and response.data["to_level"] == "confidential"


def test_api_author_declassifies_their_own_item(api, listed, cast):
    response = api(cast["author"]).post(URL, {"target_type": "post", "target_id": listed[0].pk,
                                              "decision": "declassified", "to_level": "unclassified",
                                              "reason": "Mine, no longer sensitive"}, format="json")
    assert response.status_code == 201
    listed[0].refresh_from_db()
    assert listed[0].classification == "unclassified"


@pytest.mark.parametrize("who,index,status", [
    ("plain", 0, 403),      # a member who sees the item, not its author
    ("owner", 0, 403),      # the owner, not the author
    ("outsider", 0, 404),   # cannot see it: not found
    ("plain", 1, 403),      # a granted reader of the strictly confidential item, not its author
    ("owner", 1, 403),      # owners see strictly confidential items; still not the author
    ("plain", 3, 404),      # another community's strictly confidential item
    ("author", 3, 404),     # another community's item
])
def test_api_others_are_refused_and_nothing_changes(api, listed, cast, who, index, status):
    item = listed[index]
    before = snapshot(item)
    response = api(cast[who]).post(URL, {"target_type": "post", "target_id": item.pk, "decision": "declassified",
                                         "to_level": "unclassified", "reason": "x"}, format="json")
    assert response.status_code == status
    assert snapshot(item) == before


@pytest.mark.parametrize("body,field", [
    ({"decision": "declassified", "to_level": "strictly_confidential", "reason": "x"}, "to_level"),
    ({"decision": "declassified", "reason": "x"}, "to_level"),
    ({"decision": "declassified", "to_level": "unclassified", "reason": ""}, "reason"),
    ({"decision": "maybe", "reason": "x"}, "decision"),
    ({"decision": "kept", "reason": "x", "title": "sneaky"}, "title"),
])
def test_api_bad_input_is_400_and_changes_nothing(api, listed, officer, body, field):
    item = listed[0]
    before = snapshot(item)
    response = api(officer).post(URL, {"target_type": "post", "target_id": item.pk, **body}, format="json")
    assert response.status_code == 400 and field in response.data, response.data
    assert snapshot(item) == before


def test_api_a_young_item_or_a_missing_one(api, community, cast, officer):
    young = make_post(community, cast["author"], old=False)
    response = api(officer).post(URL, {"target_type": "post", "target_id": young.pk, "decision": "kept",
                                       "reason": "x"}, format="json")
    assert response.status_code == 400 and "not in the declassification review list" in str(response.data)
    response = api(officer).post(URL, {"target_type": "post", "target_id": 2**63 - 1, "decision": "kept",
                                       "reason": "x"}, format="json")
    assert response.status_code == 404


def test_admin_lists_reviews_read_only(client, community, cast, officer):
    post = old_post(community, cast["author"])
    declassification.keep(actor=officer, item=post, reason="Still sensitive")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.get("/admin/records/declassificationreview/")
    assert response.status_code == 200 and SECRET_TITLE not in response.content.decode()
    assert client.get("/admin/records/declassificationreview/add/").status_code == 403


def test_wiki_reader_grants_are_dropped_too(community, cast, officer):
    page = old_wiki(community, cast["author"], level="strictly_confidential")
    with zeal_ignore():
        assign_perm("posts.read_wikipage", cast["plain"], page)
    assert can_view(cast["plain"], page)
    declassification.declassify(actor=officer, item=page, to_level="confidential", reason="Reviewed")
    assert not WikiPage.objects.get(pk=page.pk).reader_grants.exists()


# --- the author's notice on the item's page ---------------------------------------------------


def test_the_author_of_a_listed_item_is_told_on_its_page_and_nobody_else(client, db):
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import Role
    from posts.models import Post, WikiPage
    from tests.factories import CommunityFactory, UserFactory, add_member

    author, member = UserFactory(username="old-author"), UserFactory(username="old-member")
    community = CommunityFactory(visibility="moderated", ceiling="confidential")
    add_member(community, author, Role.OWNER)
    add_member(community, member)
    old = timezone.now() - timedelta(days=21 * 366)
    post = Post.objects.create(community=community, author=author, title="Old memo", body="<p>x</p>",
                               classification="confidential")
    Post.objects.filter(pk=post.pk).update(created_at=old)
    page = WikiPage.objects.create(community=community, author=author, last_edited_by=author, slug="old-page",
                                   title="Old page", body="<p>x</p>", classification="confidential")
    WikiPage.objects.filter(pk=page.pk).update(created_at=old)
    recent = Post.objects.create(community=community, author=author, title="New memo", body="<p>x</p>",
                                 classification="confidential")
    notice = "Listed for declassification review."

    client.force_login(author)
    assert notice in client.get(f"/posts/{post.pk}/").content.decode()
    assert notice in client.get(f"/communities/{community.slug}/wiki/old-page/").content.decode()
    assert notice not in client.get(f"/posts/{recent.pk}/").content.decode()  # not old enough

    client.force_login(member)  # sees the item, is not its author
    assert notice not in client.get(f"/posts/{post.pk}/").content.decode()
