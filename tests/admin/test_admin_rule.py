"""Both admin sites go through the access rule (SPEC §2.2: superusers are not exempt).

A world holds, for every content-bearing table, a row about something the system manager may
not see — a restricted community he is not in, a strictly confidential item of a community he is
a plain member of — each carrying the marker "Zanzibar" (names, slugs, free-text reasons, tags).
Every page of /admin/ he can reach (each changelist, its search and filters, each change and
history page of the rows he is shown) must not contain it; his own owner-colleague sees it.
"""
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from communities.models import JoinRequest, Membership, MembershipEvent, Role
from moderation.models import EscalationCase, Flag, ModerationAction
from moderation.sites import moderation_site
from notifications.models import Notification
from posts.models import Comment, Post, Tag, WikiPage
from records.models import (
    BatchItem,
    DeclassificationReview,
    DispositionBatch,
    DispositionRecord,
    Hold,
    RecordsAuditLog,
    RetentionSchedule,
    StalenessReview,
)
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Visibility
from unisocial.models import ApiToken
from unisocial.tokens import create_token

pytestmark = pytest.mark.django_db

MARKER = "zanzibar"


@pytest.fixture
def world(db):
    manager = UserFactory(username="manager", is_staff=True, is_superuser=True)
    colleague = UserFactory(username="colleague", is_staff=True, is_superuser=True)
    owner = UserFactory(username="owner")
    secret = CommunityFactory(name="Zanzibar Taskforce", slug="zanzibar-cell", visibility=Visibility.RESTRICTED,
                              description="Zanzibar description")
    shared = CommunityFactory(name="Shared room", slug="shared", visibility=Visibility.MODERATED)
    for community in (secret, shared):
        add_member(community, owner, Role.OWNER)
    add_member(secret, colleague, Role.OWNER)
    add_member(shared, manager, Role.MEMBER)
    add_member(shared, colleague, Role.OWNER)
    tag = Tag.objects.create(name="zanzibar-tag", slug="zanzibar-tag")
    visible_tag = Tag.objects.create(name="open-tag", slug="open-tag")
    sealed = PostFactory(community=shared, author=owner, title="Zanzibar sealed",
                         classification=Level.STRICTLY_CONFIDENTIAL)
    sealed.tags.add(tag)
    visible = PostFactory(community=shared, author=owner, title="Visible note", classification=Level.CONFIDENTIAL)
    visible.tags.add(visible_tag)
    in_secret = PostFactory(community=secret, author=owner, title="Zanzibar plans", classification=Level.CONFIDENTIAL)
    in_secret.tags.add(tag)
    wiki = WikiPage.objects.create(community=secret, slug="zanzibar-wiki", title="Zanzibar wiki",
                                   classification=Level.CONFIDENTIAL, author=owner)
    comment = Comment.objects.create(post=sealed, author=owner, body="<p>Zanzibar comment</p>")
    for item, target_type, community in ((sealed, "post", shared), (in_secret, "post", secret),
                                         (wiki, "wiki", secret), (comment, "comment", shared)):
        ModerationAction.objects.create(actor=owner, action="dismiss", target_type=target_type,
                                        target_id=item.pk, community=community, reason="Zanzibar reason")
        Flag.objects.create(target_type=target_type, target_id=item.pk, community=community, flagger=colleague,
                            reason="confidentiality", note="Zanzibar note")
    EscalationCase.objects.create(target_type="post", target_id=in_secret.pk, community=secret, escalated_by=owner,
                                  reason="Zanzibar escalation", resolved_at=timezone.now(), resolved_by=colleague,
                                  resolution="Zanzibar resolution")
    now = timezone.now()
    StalenessReview.objects.create(community=secret, last_activity_at=now, flagged_at=now,
                                   grace_until=now + timedelta(days=30))
    Hold.objects.create(target_type="community", target_id=secret.pk, community_id=secret.pk,
                        reason="Zanzibar hold", placed_by=colleague)
    Hold.objects.create(target_type="post", target_id=sealed.pk, community_id=shared.pk,
                        reason="Zanzibar item hold", placed_by=colleague)
    MembershipEvent.objects.create(community=secret, user=owner, actor=owner, action="created", role="owner")
    JoinRequest.objects.create(community=secret, user=manager, message="Zanzibar please")
    # A request to a community he may see: its message is for the owners.
    JoinRequest.objects.create(community=shared, user=UserFactory(), message="Zanzibar please")
    DeclassificationReview.objects.create(target_type="post", target_id=sealed.pk, community_id=shared.pk,
                                          decision="kept", from_level=Level.STRICTLY_CONFIDENTIAL,
                                          to_level=Level.STRICTLY_CONFIDENTIAL, reason="Zanzibar review",
                                          decided_by=owner)
    RecordsAuditLog.objects.create(actor=colleague, action="hold_placed", target_type="community",
                                   target_id=str(secret.pk), details={"community": "Zanzibar Taskforce"})
    schedule = RetentionSchedule.objects.create(name="Posts", content_type="post", retain_days=30,
                                                disposition="destroy", created_by=colleague)
    batch = DispositionBatch.objects.create(schedule=schedule, as_of=now, total=1)
    BatchItem.objects.create(batch=batch, target_type="post", target_id=in_secret.pk, classification="confidential",
                             community_id=secret.pk, last_activity_at=now)
    DispositionRecord.objects.create(target_type="post", target_id=999, classification="confidential",
                                     community_id=secret.pk, community_slug="zanzibar-cell",
                                     community_name="Zanzibar Taskforce", batch=batch, schedule=schedule,
                                     schedule_name="Posts", disposition="destroy", approved_by=colleague,
                                     approved_by_username="colleague", last_activity_at=now)
    token_row, token = create_token(owner, "owner's script")
    return {"manager": manager, "colleague": colleague, "owner": owner, "secret": secret, "shared": shared,
            "sealed": sealed, "visible": visible, "in_secret": in_secret, "wiki": wiki, "comment": comment,
            "token": token, "token_row": token_row, "tag": tag}


def admin_pages(client, site=admin.site, prefix="/admin"):
    """Every page of ``site`` reachable for the logged-in user: changelists with search and each
    filter's choices, and the change and history pages of every row they list."""
    seen = {}
    for model in site._registry:
        base = f"{prefix}/{model._meta.app_label}/{model._meta.model_name}/"
        for url in (base, f"{base}?q={MARKER}", f"{base}?q=sealed"):
            response = client.get(url)
            seen[url] = response
            if response.status_code != 200 or not hasattr(response, "context_data"):
                continue
            changelist = response.context_data.get("cl")
            if changelist is None or "?q=" in url:
                continue
            for spec in changelist.filter_specs:
                for choice in spec.choices(changelist):
                    query = choice.get("query_string")
                    if query and query != "?":
                        seen[base + query] = client.get(base + query)
            for obj in list(changelist.result_list)[:20]:
                for suffix in ("change/", "history/"):
                    url = f"{base}{obj.pk}/{suffix}"
                    seen[url] = client.get(url)
    seen[f"{prefix}/"] = client.get(f"{prefix}/")
    return seen


def leaks(pages, *markers):
    found = []
    for url, response in pages.items():
        content = response.content.lower()
        if "?q=" in url:  # the search box echoes the term: take it out, then look
            term = url.split("?q=", 1)[1].lower()
            for echo in (f"q%3d{term}", f'value="{term}"', f"q={term}"):
                content = content.replace(echo.encode(), b"")
            changelist = getattr(response, "context_data", {}).get("cl")
            if changelist is not None and changelist.search_fields and changelist.result_count:
                found.append(url)
        found.extend(url for m in markers if m.lower().encode() in content)
    return sorted(found)


def test_no_admin_page_shows_a_system_manager_what_the_rule_hides(world, client):
    # Defects once: the moderation log and staleness reviews named restricted communities and showed
    # moderators' reasons about strictly confidential items; every tag was offered.
    client.force_login(world["manager"])
    pages = admin_pages(client)
    assert pages["/admin/"].status_code == 200
    assert leaks(pages, MARKER) == []
    # He sees what he may: the visible post of the community he is a member of.
    assert b"Visible note" in pages["/admin/posts/post/"].content


def test_an_owner_superuser_sees_the_rows_the_rule_shows_her(world, client):
    client.force_login(world["colleague"])
    log = client.get("/admin/moderation/moderationaction/").content.decode()
    assert "Zanzibar reason" in log and "Zanzibar Taskforce" in log
    assert "Zanzibar Taskforce" in client.get("/admin/records/stalenessreview/").content.decode()
    assert "Zanzibar sealed" in client.get("/admin/posts/post/").content.decode()


def test_no_admin_page_shows_an_api_token_key(world, client):
    # Finding 4: DRF's token admin let a system manager mint and read anyone's token; knox's
    # admin would too (SPEC §7). Neither site has a token admin; no page shows a token or its digest.
    client.force_login(world["manager"])
    pages = admin_pages(client)
    row = world["token_row"]
    assert leaks(pages, world["token"]) == []
    assert leaks(pages, row.digest) == [] and leaks(pages, row.token_key) == []
    digest = row.digest
    for url in ("/admin/knox/", "/admin/knox/authtoken/", "/admin/knox/authtoken/add/",
                f"/admin/knox/authtoken/{digest}/change/", "/admin/unisocial/apitoken/",
                "/admin/unisocial/apitoken/add/", f"/admin/unisocial/apitoken/{row.pk}/change/",
                "/admin/authtoken/", "/admin/authtoken/tokenproxy/"):
        assert client.get(url).status_code == 404, url
    from knox.models import AuthToken

    for site in (admin.site, moderation_site):
        assert not site.is_registered(AuthToken) and not site.is_registered(ApiToken), site.name
    client.post("/admin/knox/authtoken/add/", {"user": world["colleague"].pk})
    client.post("/admin/unisocial/apitoken/add/", {"user": world["colleague"].pk, "name": "x"})
    assert not ApiToken.objects.filter(user=world["colleague"]).exists()


def test_the_post_admin_form_offers_no_tag_of_an_invisible_item(world, client):
    # Finding 6: the form listed every tag, including those only strictly confidential posts carry.
    client.force_login(world["manager"])
    page = client.get(f"/admin/posts/post/{world['visible'].pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "open-tag" in html and MARKER not in html.lower()


def test_the_choices_of_any_admin_form_follow_the_rule(world):
    # Form field querysets (foreign keys, many-to-many): what the viewer may see, nothing else.
    request = RequestFactory().get("/admin/")
    request.user = world["manager"]
    post_admin = admin.site._registry[Post]
    tags = post_admin.formfield_for_manytomany(Post._meta.get_field("tags"), request).queryset
    assert list(tags.values_list("name", flat=True)) == ["open-tag"]
    communities = post_admin.formfield_for_foreignkey(Post._meta.get_field("community"), request).queryset
    assert world["secret"] not in communities and world["shared"] in communities
    flag_admin = admin.site._registry[Flag]
    assert world["secret"] not in flag_admin.formfield_for_foreignkey(Flag._meta.get_field("community"),
                                                                      request).queryset


def test_every_model_admin_on_both_sites_derives_from_the_rule_base(world):
    from unisocial.admin import THIRD_PARTY_CONTENT_FREE, AccessRuleMixin

    for site in (admin.site, moderation_site):
        for model, model_admin in site._registry.items():
            label = model._meta.label_lower
            if label in THIRD_PARTY_CONTENT_FREE and site is admin.site:
                continue
            assert isinstance(model_admin, AccessRuleMixin), f"{site.name}: {label}"
            declared = type(model_admin).visible_rows is not AccessRuleMixin.visible_rows
            assert declared, f"{site.name}: {label} does not say how its rows are restricted"


def test_a_model_admin_that_does_not_declare_its_rows_shows_nothing(world):
    from unisocial.admin import AccessRuleAdmin

    class Undeclared(AccessRuleAdmin):
        pass

    request = RequestFactory().get("/admin/")
    request.user = world["colleague"]  # an owner who sees these posts through the rule
    assert Post.objects.visible_to(request.user).exists()
    assert not Undeclared(Post, admin.site).get_queryset(request).exists()


def test_the_ceiling_refusal_does_not_count_items_the_viewer_cannot_see(world, client):
    # Finding 15: "Refused: the community holds 1 items classified above …" to a non-member.
    client.force_login(world["manager"])
    shared = world["shared"]
    Membership.objects.filter(content_object=shared, user=world["manager"]).delete()
    url = f"/admin/communities/community/{shared.pk}/change/"
    form = {"name": shared.name, "slug": shared.slug, "purpose": shared.purpose, "visibility": "moderated",
            "ceiling": "unclassified", "auto_hide_threshold": 3}
    response = client.post(url, form)
    html = response.content.decode()
    assert not re.search(r"holds \d+ item", html)
    assert response.status_code == 200 and "Refused: the community holds content classified above" in html
    shared.refresh_from_db()
    assert shared.ceiling == Level.CONFIDENTIAL


# --- appointing an owner (SPEC §3) -----------------------------------------------------------


@pytest.fixture
def orphans(world):
    Membership.objects.filter(content_object=world["secret"], role=Role.OWNER).delete()
    open_orphan = CommunityFactory(name="Orphaned open", slug="orphaned-open", visibility=Visibility.OPEN)
    return {"secret": world["secret"], "open": open_orphan}


def test_appoint_page_lists_an_orphaned_restricted_community_without_its_name(world, orphans, client):
    client.force_login(world["manager"])
    html = client.get("/admin/communities/community/appoint-owner/").content.decode()
    assert "Orphaned open" in html
    assert f"Restricted community #{orphans['secret'].pk} with no owner" in html
    assert MARKER not in html.lower()
    assert "Shared room" not in html  # it has an owner


def test_a_system_manager_cannot_appoint_himself(world, orphans, client):
    client.force_login(world["manager"])
    for community in orphans.values():
        response = client.post("/admin/communities/community/appoint-owner/",
                               {"community": community.pk, "username": "manager"})
        assert response.status_code == 200
        assert "You cannot appoint yourself" in response.content.decode()
        assert not Membership.objects.filter(content_object=community, user=world["manager"]).exists()
    assert not MembershipEvent.objects.filter(actor=world["manager"]).exists()


def test_appointing_an_owner_is_a_logged_event_and_the_owners_are_notified(world, orphans, client):
    newcomer = UserFactory(username="newcomer")
    client.force_login(world["manager"])
    response = client.post("/admin/communities/community/appoint-owner/",
                           {"community": orphans["secret"].pk, "username": "newcomer"}, follow=True)
    assert response.status_code == 200 and MARKER not in response.content.decode().lower()
    membership = Membership.objects.get(content_object=orphans["secret"], user=newcomer)
    assert membership.role == Role.OWNER
    event = MembershipEvent.objects.get(community=orphans["secret"], user=newcomer)
    assert (event.actor, event.action, event.role) == (world["manager"], "appointed_owner", Role.OWNER)
    assert Notification.objects.filter(recipient=newcomer, community=orphans["secret"]).exists()
    # Appointing someone else does not let him in.
    assert client.get(f"/admin/communities/community/{orphans['secret'].pk}/change/", follow=True).status_code == 200
    assert not Membership.objects.filter(content_object=orphans["secret"], user=world["manager"]).exists()


def test_a_community_that_has_an_owner_gets_none_appointed(world, orphans, client):
    newcomer = UserFactory(username="newcomer")
    client.force_login(world["manager"])
    response = client.post("/admin/communities/community/appoint-owner/",
                           {"community": world["shared"].pk, "username": "newcomer"})
    assert response.status_code == 200
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_community_form_never_confirms_a_hidden_community_name(world, client):
    # Names and slugs are unique: "Community with this name already exists" was an oracle.
    client.force_login(world["manager"])
    shared = world["shared"]
    form = {"name": "Zanzibar Taskforce", "slug": "zanzibar-cell", "purpose": shared.purpose,
            "visibility": shared.visibility, "ceiling": shared.ceiling, "auto_hide_threshold": 3}
    response = client.post(f"/admin/communities/community/{shared.pk}/change/", form, follow=True)
    assert b"already exists" not in response.content and MARKER not in response.content.decode().lower()
    shared.refresh_from_db()
    assert (shared.name, shared.slug) == ("Shared room", "shared")
    assert client.get("/admin/communities/community/add/").status_code == 403
    client.post("/admin/communities/community/add/", {**form, "name": "Zanzibar Taskforce"})
    assert b"already exists" not in client.get("/admin/communities/community/").content


def test_the_admin_index_names_no_object_from_the_admin_log(world, client):
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    # An action the manager took while he could see the community, which he no longer can.
    LogEntry.objects.create(user=world["manager"], content_type=ContentType.objects.get_for_model(world["secret"]),
                            object_id=str(world["secret"].pk), object_repr=str(world["secret"]), action_flag=CHANGE)
    client.force_login(world["manager"])
    assert MARKER not in client.get("/admin/").content.decode().lower()


def test_no_moderation_page_shows_a_moderator_what_the_rule_hides(world, client):
    # The owners' site, crawled the same way (search, filters, change pages): a moderator of the
    # shared room meets neither its strictly confidential post nor the restricted community.
    moderator = UserFactory(username="moderator")
    add_member(world["shared"], moderator, Role.MODERATOR)
    client.force_login(moderator)
    pages = admin_pages(client, moderation_site, "/moderation")
    assert pages["/moderation/"].status_code == 200
    assert b"Visible note" in pages["/moderation/moderation/moderatedpost/"].content
    assert leaks(pages, MARKER) == []
