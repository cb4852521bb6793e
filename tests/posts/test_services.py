"""The content services (SPEC §2.2–2.4): who may write what, at which level, and who hears of it."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from communities.access import can_view
from communities.models import Role
from notifications.models import Notification
from posts import services
from posts.models import (
    AccessLog,
    Comment,
    Like,
    Post,
    PostAttachment,
    Tag,
    WikiPage,
)
from tests.factories import PostFactory, add_member, grant_reader
from unisocial.classification import Level, Status

pytestmark = pytest.mark.django_db

SC = Level.STRICTLY_CONFIDENTIAL


def create(community, actor, **kwargs):
    kwargs.setdefault("title", "Quarterly figures")
    return services.post_create(actor=actor, community=community, **kwargs)


def readers_of(item):
    return set(item.reader_grants.values_list("user__username", flat=True))


# --- post_create --------------------------------------------------------------------------


def test_non_member_cannot_post(communities, people):
    with pytest.raises(PermissionDenied):
        create(communities["open"], people["outsider"])
    assert not Post.objects.exists()


def test_archived_community_refuses_posts_even_from_its_owner(communities, people):
    community = communities["open"]
    community.is_archived = True
    community.save()
    with pytest.raises(PermissionDenied):
        create(community, people["owner"])
    assert not Post.objects.exists()


@pytest.mark.parametrize("visibility", ["moderated", "restricted"])
def test_level_must_be_chosen_explicitly_when_ceiling_is_above_unclassified(
    communities, people, visibility
):
    with pytest.raises(ValidationError) as err:
        create(communities[visibility], people["author"])
    assert "classification" in err.value.message_dict
    assert not Post.objects.exists()


def test_post_in_open_community_defaults_to_unclassified(communities, people):
    post, warnings = create(communities["open"], people["author"])
    assert post.classification == Level.UNCLASSIFIED
    assert post.status == Status.PUBLISHED
    assert warnings == []


@pytest.mark.parametrize(
    "visibility, level",
    [("open", "confidential"), ("open", SC), ("moderated", SC)],
)
def test_level_above_the_ceiling_is_refused(communities, people, visibility, level):
    with pytest.raises(ValidationError) as err:
        create(communities[visibility], people["author"], classification=level)
    assert "classification" in err.value.message_dict
    assert not Post.objects.exists()


def test_unknown_level_is_refused(communities, people):
    with pytest.raises(ValidationError):
        create(communities["restricted"], people["author"], classification="secret")


def test_readers_are_granted_on_strictly_confidential_posts(communities, people):
    post, _ = create(
        communities["restricted"], people["author"], classification=SC, readers=[people["plain"]]
    )
    assert readers_of(post) == {"plain"}
    assert can_view(people["plain"], post)
    assert not can_view(people["moderator"], post)


def test_readers_are_refused_below_strictly_confidential(communities, people):
    with pytest.raises(ValidationError) as err:
        create(
            communities["restricted"],
            people["author"],
            classification="confidential",
            readers=[people["plain"]],
        )
    assert "readers" in err.value.message_dict
    assert not Post.objects.exists()


def test_readers_must_be_members(communities, people):
    with pytest.raises(ValidationError) as err:
        create(
            communities["restricted"],
            people["author"],
            classification=SC,
            readers=[people["outsider"]],
        )
    assert "outsider" in str(err.value.message_dict["readers"])
    assert not Post.objects.exists()


def test_premoderation_holds_a_plain_members_post(communities, people):
    community = communities["open"]
    community.premoderation = True
    community.save()
    post, _ = create(community, people["author"])
    assert post.status == Status.PENDING
    assert not can_view(people["plain"], post)
    assert can_view(people["author"], post) and can_view(people["moderator"], post)


@pytest.mark.parametrize("role", ["owner", "moderator"])
def test_premoderation_publishes_owners_and_moderators_posts_at_once(communities, people, role):
    community = communities["open"]
    community.premoderation = True
    community.save()
    post, _ = create(community, people[role])
    assert post.status == Status.PUBLISHED


def test_body_is_sanitized_and_its_source_kept(communities, people):
    source = "<p onclick=alert(1)>hi <script>alert(1)</script></p>"
    post, _ = create(communities["open"], people["author"], body=source)
    assert post.body_source == source
    assert "onclick" not in post.body and "<script" not in post.body


def test_markdown_body_is_rendered_then_sanitized(communities, people):
    post, _ = create(
        communities["open"],
        people["author"],
        body="**hi** [x](javascript:alert(1))",
        body_format="markdown",
    )
    assert "<strong>hi</strong>" in post.body
    assert "javascript" not in post.body


def test_tags_are_normalised_and_deduplicated(communities, people):
    post, _ = create(
        communities["open"], people["author"], tags="  Data   Science , data science,Python, ,!!"
    )
    assert sorted(post.tags.values_list("slug", flat=True)) == ["data-science", "python"]
    assert Tag.objects.get(slug="data-science").name == "Data Science"


def test_tags_reuse_existing_tags_by_slug(communities, people):
    first, _ = create(communities["open"], people["author"], tags=["Python"])
    second, _ = create(communities["open"], people["plain"], tags=["python"])
    assert Tag.objects.count() == 1
    assert list(second.tags.all()) == list(first.tags.all())


def test_at_most_ten_tags(communities, people):
    create(communities["open"], people["author"], title="ten", tags=[f"t{i}" for i in range(10)])
    with pytest.raises(ValidationError) as err:
        create(
            communities["open"], people["author"], title="eleven", tags=[f"t{i}" for i in range(11)]
        )
    assert "tags" in err.value.message_dict
    assert Post.objects.filter(title="eleven").count() == 0


# --- mentions and notifications (SPEC §2.4) -----------------------------------------------


def test_mentioned_member_who_can_see_is_notified_after_commit(
    communities, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post, warnings = create(communities["open"], people["author"], body="Thoughts, @plain?")
        assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert warnings == []
    [note] = Notification.objects.filter(recipient=people["plain"])
    assert note.kind == "mention"
    assert note.url == post.get_absolute_url()
    assert post.title in note.message  # unclassified: the title may be shown


def test_mention_at_the_end_of_a_sentence_is_still_a_mention(
    communities, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(communities["open"], people["author"], body="Thanks to @plain.")
    assert Notification.objects.filter(recipient=people["plain"], kind="mention").exists()


def test_mentioned_outsider_is_not_notified_and_the_author_is_warned(
    communities, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post, warnings = create(
            communities["moderated"],
            people["author"],
            classification="confidential",
            body="cc @plain @outsider @nobody-by-that-name",
        )
    assert not Notification.objects.filter(recipient=people["outsider"]).exists()
    assert Notification.objects.filter(recipient=people["plain"]).exists()
    assert len(warnings) == 1 and "outsider" in warnings[0] and "plain" not in warnings[0]


def test_mentioned_member_who_is_not_a_reader_of_a_strictly_confidential_post_is_warned_about(
    communities, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, warnings = create(
            communities["restricted"],
            people["author"],
            classification=SC,
            readers=[people["plain"]],
            body="@plain @moderator",
        )
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"plain"}
    assert "moderator" in warnings[0]


@pytest.mark.parametrize("visibility, level", [("moderated", "confidential"), ("restricted", SC)])
def test_notifications_above_unclassified_carry_no_title_or_body(
    communities, people, django_capture_on_commit_callbacks, visibility, level
):
    with django_capture_on_commit_callbacks(execute=True):
        post, _ = create(
            communities[visibility],
            people["author"],
            classification=level,
            title="Merger with ACME",
            body="Secret plan for @plain",
            readers=[people["plain"]] if level == SC else [],
        )
        services.comment_create(actor=people["owner"], post=post, body="Budget of the ACME merger")
    notes = list(Notification.objects.all())
    assert {(n.recipient.username, n.kind) for n in notes} == {
        ("plain", "mention"),
        ("author", "comment"),
    }
    for note in notes:
        assert (
            "ACME" not in note.message
            and "Secret" not in note.message
            and "Budget" not in note.message
        )
        assert str(Level(level).label) in note.message
        assert communities[visibility].name in note.message
        assert note.classification == level


def test_a_notification_is_checked_against_the_rule_when_it_is_written(
    communities, people, django_capture_on_commit_callbacks
):
    from communities.models import Membership

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(
            communities["moderated"], people["author"], classification="confidential", body="@plain"
        )
    Membership.objects.filter(
        user=people["plain"], content_object=communities["moderated"]
    ).delete()
    for callback in callbacks:
        callback()
    assert not Notification.objects.filter(recipient=people["plain"]).exists()


def test_pending_posts_notify_nobody(communities, people, django_capture_on_commit_callbacks):
    community = communities["open"]
    community.premoderation = True
    community.save()
    with django_capture_on_commit_callbacks(execute=True):
        create(community, people["author"], body="@plain")
    assert not Notification.objects.exists()


# --- post_update, item_reclassify ---------------------------------------------------------


@pytest.fixture
def confidential_post(communities, people):
    post, _ = create(communities["restricted"], people["author"], classification="confidential")
    return post


def test_only_the_author_edits_a_post(confidential_post, people):
    for who in ("owner", "moderator", "plain"):
        with pytest.raises(PermissionDenied):
            services.post_update(actor=people[who], post=confidential_post, title="Changed")
    confidential_post.refresh_from_db()
    assert confidential_post.title == "Quarterly figures"


def test_author_edits_title_and_body_and_a_revision_is_kept(confidential_post, people):
    post, _ = services.post_update(
        actor=people["author"], post=confidential_post, title="New", body="<b>x</b>"
    )
    assert (post.title, post.body) == ("New", "<b>x</b>")
    assert post.history.count() == 2
    latest = post.history.order_by("-history_id").first()
    assert (latest.title, latest.body_source) == ("New", "<b>x</b>")


@pytest.mark.parametrize(
    "edit", ["post_update", "item_reclassify", "post_withdraw", "comment", "wiki"]
)
def test_every_revision_records_who_made_it(communities, people, edit):
    """SPEC §2.3: who, when, what — also for writes that do not come through a browser session."""
    post, _ = create(communities["restricted"], people["author"], classification="confidential")
    if edit == "post_update":
        services.post_update(actor=people["author"], post=post, title="New")
    elif edit == "item_reclassify":
        services.item_reclassify(actor=people["moderator"], item=post, classification=SC)
    elif edit == "post_withdraw":
        services.post_withdraw(actor=people["author"], post=post)
    elif edit == "comment":
        comment, _ = services.comment_create(actor=people["plain"], post=post, body="a")
        services.comment_update(actor=people["plain"], comment=comment, body="b")
        post = comment
    else:
        post, _ = services.wiki_create(
            actor=people["author"],
            community=communities["restricted"],
            title="Page",
            classification="confidential",
        )
        services.wiki_update(actor=people["plain"], page=post, body="edit")
    history = list(post.history.order_by("history_id"))
    assert history[0].history_user is not None
    assert (
        history[-1].history_user
        == {
            "post_update": people["author"],
            "item_reclassify": people["moderator"],
            "post_withdraw": people["author"],
            "comment": people["plain"],
            "wiki": people["plain"],
        }[edit]
    )


def test_fields_outside_the_form_cannot_be_changed(confidential_post, people):
    with pytest.raises(ValidationError):
        services.post_update(
            actor=people["author"],
            post=confidential_post,
            status=Status.PUBLISHED,
            author=people["plain"],
        )


def test_author_may_raise_the_level_without_a_reason(confidential_post, people):
    post, _ = services.post_update(
        actor=people["author"], post=confidential_post, classification=SC
    )
    assert post.classification == SC
    assert not can_view(people["plain"], post)


def test_lowering_without_a_reason_is_refused(confidential_post, people):
    with pytest.raises(ValidationError) as err:
        services.post_update(
            actor=people["author"], post=confidential_post, classification="unclassified"
        )
    assert "reason" in err.value.message_dict
    confidential_post.refresh_from_db()
    assert confidential_post.classification == "confidential"


def test_lowering_with_a_reason_is_recorded_in_history(confidential_post, people):
    services.post_update(
        actor=people["author"],
        post=confidential_post,
        classification="unclassified",
        reason="Published in the annual report",
    )
    latest = confidential_post.history.order_by("-history_id").first()
    assert latest.classification == "unclassified"
    assert latest.history_change_reason == "Published in the annual report"


def test_moderator_may_raise_a_level(confidential_post, people):
    item = services.item_reclassify(
        actor=people["moderator"], item=confidential_post, classification=SC
    )
    assert item.classification == SC


def test_moderator_may_not_lower_a_level_even_with_a_reason(confidential_post, people):
    with pytest.raises(PermissionDenied):
        services.item_reclassify(
            actor=people["moderator"],
            item=confidential_post,
            classification="unclassified",
            reason="harmless",
        )
    confidential_post.refresh_from_db()
    assert confidential_post.classification == "confidential"


def test_owner_may_lower_a_level_with_a_reason(confidential_post, people):
    with pytest.raises(ValidationError):
        services.item_reclassify(
            actor=people["owner"], item=confidential_post, classification="unclassified"
        )
    item = services.item_reclassify(
        actor=people["owner"],
        item=confidential_post,
        classification="unclassified",
        reason="Declassified by owner",
    )
    assert item.classification == "unclassified"
    assert (
        item.history.order_by("-history_id").first().history_change_reason
        == "Declassified by owner"
    )


@pytest.mark.parametrize("who", ["plain", "outsider"])
def test_plain_member_or_outsider_may_not_raise_a_level(confidential_post, people, who):
    with pytest.raises(PermissionDenied):
        services.item_reclassify(actor=people[who], item=confidential_post, classification=SC)


def test_reclassify_cannot_go_above_the_ceiling(communities, people):
    post, _ = create(communities["moderated"], people["author"], classification="confidential")
    with pytest.raises(ValidationError):
        services.item_reclassify(actor=people["owner"], item=post, classification=SC)


def test_lowering_from_strictly_confidential_removes_the_readers(communities, people):
    post, _ = create(
        communities["restricted"], people["author"], classification=SC, readers=[people["plain"]]
    )
    services.item_reclassify(
        actor=people["owner"], item=post, classification="confidential", reason="wider"
    )
    assert readers_of(post) == set()


def test_lowering_by_edit_from_strictly_confidential_removes_the_readers(communities, people):
    post, _ = create(
        communities["restricted"], people["author"], classification=SC, readers=[people["plain"]]
    )
    services.post_update(
        actor=people["author"], post=post, classification="confidential", reason="wider"
    )
    assert readers_of(post) == set()


def test_editing_a_strictly_confidential_post_keeps_its_readers(communities, people):
    post, _ = create(
        communities["restricted"], people["author"], classification=SC, readers=[people["plain"]]
    )
    services.post_update(actor=people["author"], post=post, title="Retitled")
    assert readers_of(post) == {"plain"}


# --- post_withdraw, post_like -------------------------------------------------------------


def test_only_the_author_withdraws_a_post(confidential_post, people):
    for who in ("owner", "moderator", "plain"):
        with pytest.raises(PermissionDenied):
            services.post_withdraw(actor=people[who], post=confidential_post)


def test_withdrawn_post_is_visible_to_nobody_but_kept(confidential_post, people):
    services.post_withdraw(actor=people["author"], post=confidential_post)
    for user in people.values():
        assert not Post.objects.visible_to(user).filter(pk=confidential_post.pk).exists()
    assert Post.objects.get(pk=confidential_post.pk).status == Status.WITHDRAWN


def test_like_is_idempotent_and_can_be_taken_back(communities, people):
    post, _ = create(communities["open"], people["author"])
    assert services.post_like(actor=people["plain"], post=post) == 1
    assert services.post_like(actor=people["plain"], post=post) == 1
    assert services.post_like(actor=people["outsider"], post=post) == 2
    assert services.post_like(actor=people["plain"], post=post, like=False) == 1
    assert services.post_like(actor=people["plain"], post=post, like=False) == 1
    assert Like.objects.count() == 1


# --- comments -----------------------------------------------------------------------------


@pytest.fixture
def open_post(communities, people):
    post, _ = create(communities["open"], people["author"])
    return post


def test_non_member_cannot_comment_even_on_an_open_communitys_post(open_post, people):
    assert can_view(people["outsider"], open_post)
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=people["outsider"], post=open_post, body="hello")
    assert not Comment.objects.exists()


def test_comment_body_is_plain_text_escaped(open_post, people):
    comment, _ = services.comment_create(
        actor=people["plain"], post=open_post, body="<b>hi</b>\n<script>x</script>"
    )
    assert "<b>" not in comment.body and "<script" not in comment.body
    assert comment.body_source == "<b>hi</b>\n<script>x</script>"


def test_empty_comment_is_refused(open_post, people):
    with pytest.raises(ValidationError):
        services.comment_create(actor=people["plain"], post=open_post, body="   ")


def test_replies_thread_one_level_deep(open_post, people):
    top, _ = services.comment_create(actor=people["plain"], post=open_post, body="top")
    reply, _ = services.comment_create(
        actor=people["owner"], post=open_post, body="reply", parent=top
    )
    reply_to_reply, _ = services.comment_create(
        actor=people["author"], post=open_post, body="r2", parent=reply
    )
    assert reply.parent_id == top.pk
    assert reply_to_reply.parent_id == top.pk


def test_reply_to_a_comment_on_another_post_is_refused(communities, open_post, people):
    other, _ = create(communities["open"], people["author"], title="other")
    top, _ = services.comment_create(actor=people["plain"], post=other, body="top")
    with pytest.raises(ValidationError):
        services.comment_create(actor=people["plain"], post=open_post, body="x", parent=top)


@pytest.mark.parametrize("status", [Status.PENDING, Status.HIDDEN, Status.WITHDRAWN])
def test_comments_open_only_on_published_posts(communities, people, status):
    post = PostFactory(community=communities["open"], author=people["author"], status=status)
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=people["author"], post=post, body="hello")
    assert not Comment.objects.exists()


def test_archived_community_refuses_comments(open_post, people):
    open_post.community.is_archived = True
    open_post.community.save()
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=people["plain"], post=open_post, body="hello")


def test_post_author_is_notified_of_a_comment_and_comment_author_of_a_reply(
    open_post, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        top, _ = services.comment_create(actor=people["plain"], post=open_post, body="top")
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("author", "comment")
    ]
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=people["owner"], post=open_post, body="reply", parent=top)
    assert set(Notification.objects.values_list("recipient__username", "kind")) == {
        ("author", "comment"),
        ("plain", "reply"),
    }


def test_the_person_replied_to_is_notified_even_in_a_flattened_thread(
    open_post, people, django_capture_on_commit_callbacks
):
    top, _ = services.comment_create(actor=people["author"], post=open_post, body="top")
    reply, _ = services.comment_create(
        actor=people["plain"], post=open_post, body="reply", parent=top
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=people["owner"], post=open_post, body="answer", parent=reply)
    assert Notification.objects.filter(recipient=people["plain"], kind="reply").exists()


def test_commenting_on_ones_own_post_notifies_nobody(
    open_post, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=people["author"], post=open_post, body="self")
    assert not Notification.objects.exists()


def test_only_the_author_edits_or_withdraws_a_comment(open_post, people):
    comment, _ = services.comment_create(actor=people["plain"], post=open_post, body="mine")
    for who in ("author", "owner", "moderator"):
        with pytest.raises(PermissionDenied):
            services.comment_update(actor=people[who], comment=comment, body="theirs")
        with pytest.raises(PermissionDenied):
            services.comment_withdraw(actor=people[who], comment=comment)
    comment = services.comment_update(actor=people["plain"], comment=comment, body="edited")
    assert comment.history.count() == 2


def test_withdrawn_comment_is_invisible_to_everyone_including_its_author(open_post, people):
    comment, _ = services.comment_create(actor=people["plain"], post=open_post, body="oops")
    services.comment_withdraw(actor=people["plain"], comment=comment)
    for user in people.values():
        assert not Comment.objects.visible_to(user).filter(pk=comment.pk).exists()
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_comments_inherit_their_posts_audience(communities, people):
    post, _ = create(communities["moderated"], people["author"], classification="confidential")
    comment, _ = services.comment_create(actor=people["plain"], post=post, body="inside")
    assert Comment.objects.visible_to(people["moderator"]).filter(pk=comment.pk).exists()
    assert not Comment.objects.visible_to(people["outsider"]).filter(pk=comment.pk).exists()


def test_comments_of_a_strictly_confidential_post_follow_its_readers(communities, people):
    post, _ = create(
        communities["restricted"], people["author"], classification=SC, readers=[people["plain"]]
    )
    comment, _ = services.comment_create(actor=people["plain"], post=post, body="reader's note")
    assert Comment.objects.visible_to(people["owner"]).filter(pk=comment.pk).exists()
    assert not Comment.objects.visible_to(people["moderator"]).filter(pk=comment.pk).exists()
    post.reader_grants.all().delete()
    # The commenter lost the grant: the comment, even their own, goes with the post.
    assert not Comment.objects.visible_to(people["plain"]).filter(pk=comment.pk).exists()


# --- wiki pages ---------------------------------------------------------------------------


@pytest.fixture
def page(communities, people):
    page, _ = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Handbook",
        body="v1",
        classification="confidential",
    )
    return page


def test_wiki_create_needs_membership_and_an_explicit_level(communities, people):
    with pytest.raises(PermissionDenied):
        services.wiki_create(actor=people["outsider"], community=communities["open"], title="X")
    with pytest.raises(ValidationError):
        services.wiki_create(actor=people["plain"], community=communities["restricted"], title="X")
    assert not WikiPage.objects.exists()


def test_wiki_address_new_is_reserved_for_the_create_route(communities, people):
    with pytest.raises(ValidationError) as err:
        services.wiki_create(actor=people["plain"], community=communities["open"], title="New")
    assert "slug" in err.value.message_dict
    assert not WikiPage.objects.exists()


def test_wiki_slugs_are_unique_in_a_community(page, people):
    # SPEC §2.2 (invisible means nonexistent): an address made from the title takes a free suffix (it used to
    # be refused); an explicit address that is taken is refused, naming no page.
    other, _ = services.wiki_create(
        actor=people["plain"], community=page.community, title="Handbook", classification="confidential"
    )
    assert other.slug == "handbook-2"
    with pytest.raises(ValidationError) as refused:
        services.wiki_create(
            actor=people["plain"],
            community=page.community,
            title="Handbook",
            slug="handbook",
            classification="confidential",
        )
    assert refused.value.message_dict == {"slug": ["This address is not available; choose another."]}


def test_any_member_who_can_see_a_page_edits_it(page, people):
    for who in ("plain", "moderator", "owner"):
        page, _ = services.wiki_update(actor=people[who], page=page, body=f"by {who}")
        assert page.last_edited_by == people[who]
    assert page.history.count() == 4


def test_non_member_cannot_edit_a_page(page, people):
    with pytest.raises(PermissionDenied):
        services.wiki_update(actor=people["outsider"], page=page, body="vandal")


def test_a_strictly_confidential_page_is_hidden_from_members_who_may_not_see_it(
    communities, people
):
    page, _ = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Board",
        classification=SC,
        readers=[people["plain"]],
    )
    # Views load pages through visible_to: a member outside the audience never gets it to edit.
    assert not WikiPage.objects.visible_to(people["moderator"]).filter(pk=page.pk).exists()
    assert WikiPage.objects.visible_to(people["plain"]).filter(pk=page.pk).exists()
    assert WikiPage.objects.visible_to(people["owner"]).filter(pk=page.pk).exists()


@pytest.mark.parametrize("level", [SC, "unclassified"])
def test_plain_non_author_member_cannot_change_a_pages_level(page, people, level):
    with pytest.raises(PermissionDenied):
        services.wiki_update(
            actor=people["plain"], page=page, classification=level, reason="because"
        )
    page.refresh_from_db()
    assert page.classification == "confidential"


def test_page_author_may_raise_and_lower_with_a_reason(page, people):
    page, _ = services.wiki_update(actor=people["author"], page=page, classification=SC)
    assert page.classification == SC
    with pytest.raises(ValidationError):
        services.wiki_update(actor=people["author"], page=page, classification="confidential")
    page, _ = services.wiki_update(
        actor=people["author"], page=page, classification="confidential", reason="Board approved"
    )
    assert page.classification == "confidential"


def test_wiki_revert_is_a_new_revision_equal_to_the_old_content(page, people):
    first = page.history.earliest("history_date")
    services.wiki_update(actor=people["plain"], page=page, title="Handbook 2", body="v2")
    page = services.wiki_revert(actor=people["moderator"], page=page, version=first.history_id)
    assert (page.title, page.body_source, page.body) == ("Handbook", "v1", first.body)
    assert page.history.count() == 3
    latest = page.history.order_by("-history_id").first()
    assert latest.body_source == "v1" and latest.history_change_reason


def test_wiki_revert_to_an_unknown_revision_is_refused(page, communities, people):
    other, _ = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Other",
        classification="confidential",
    )
    for version in (999999, "nonsense", None, other.history.first().history_id):
        with pytest.raises(ValidationError):
            services.wiki_revert(actor=people["plain"], page=page, version=version)
    assert page.history.count() == 1


def test_wiki_mention_of_an_outsider_is_warned_about(communities, people):
    _, warnings = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Notes",
        body="ask @outsider",
        classification="confidential",
    )
    assert "outsider" in warnings[0]


# --- attachments --------------------------------------------------------------------------


def upload(name="report.pdf", content=b"%PDF-1.4 hello"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize("name", ["evil.exe", "page.html", "image.svg", "script.js", "noextension"])
def test_attachment_type_outside_the_list_is_refused_with_a_clear_error(
    confidential_post, people, private_media, name
):
    with pytest.raises(ValidationError) as err:
        services.attachment_add(actor=people["author"], item=confidential_post, upload=upload(name))
    message = " ".join(err.value.message_dict["file"])
    assert "not accepted" in message and ".pdf" in message
    assert not PostAttachment.objects.exists()


def test_too_large_attachment_is_refused_with_a_clear_error(
    confidential_post, people, private_media, settings
):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as err:
        services.attachment_add(
            actor=people["author"], item=confidential_post, upload=upload(content=b"x" * 101)
        )
    message = " ".join(err.value.message_dict["file"])
    assert "too large" in message and "100" in message  # the limit, stated in a unit that is not 0
    assert not PostAttachment.objects.exists()
    assert not any(Path(private_media).rglob("*.pdf"))


def test_attachment_is_stored_privately_and_follows_its_post(
    confidential_post, people, private_media
):
    attachment = services.attachment_add(
        actor=people["author"], item=confidential_post, upload=upload("Report 2024.PDF")
    )
    stored = Path(attachment.file.path)
    assert stored.is_file() and Path(private_media) in stored.parents
    assert (attachment.content_type, attachment.filename, attachment.size) == (
        "application/pdf",
        "Report 2024.PDF",
        len(b"%PDF-1.4 hello"),
    )
    assert PostAttachment.objects.visible_to(people["plain"]).filter(pk=attachment.pk).exists()
    assert (
        not PostAttachment.objects.visible_to(people["outsider"]).filter(pk=attachment.pk).exists()
    )


def test_only_the_post_author_attaches_files_to_a_post(confidential_post, people, private_media):
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=people["owner"], item=confidential_post, upload=upload())


def test_any_member_attaches_files_to_a_wiki_page(page, people, private_media):
    attachment = services.attachment_add(
        actor=people["plain"], item=page, upload=upload("notes.txt", b"hi")
    )
    assert attachment.page == page and attachment.content_type == "text/plain"
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=people["outsider"], item=page, upload=upload())


def test_attachment_name_cannot_escape_the_private_folder(confidential_post, people, private_media):
    attachment = services.attachment_add(
        actor=people["author"], item=confidential_post, upload=upload("../../etc/passwd.txt")
    )
    assert attachment.filename == "passwd.txt"
    assert Path(private_media) in Path(attachment.file.path).parents


# --- the access log -----------------------------------------------------------------------


def test_views_of_strictly_confidential_items_are_logged(communities, people):
    post, _ = create(communities["restricted"], people["author"], classification=SC)
    entry = services.log_view(people["owner"], post, via="api")
    assert (entry.user, entry.target_type, entry.target_id, entry.classification, entry.via) == (
        people["owner"],
        "post",
        post.pk,
        SC,
        "api",
    )
    page, _ = services.wiki_create(
        actor=people["author"], community=communities["restricted"], title="W", classification=SC
    )
    assert services.log_view(people["author"], page).target_type == "wiki"
    assert AccessLog.objects.count() == 2


def test_views_of_a_strictly_confidential_posts_comment_and_attachment_are_logged_against_it(
    communities, people, private_media
):
    post, _ = create(communities["restricted"], people["author"], classification=SC)
    comment, _ = services.comment_create(actor=people["owner"], post=post, body="noted")
    attachment = services.attachment_add(actor=people["author"], item=post, upload=upload())
    assert services.log_view(people["owner"], comment).target_id == post.pk
    entry = services.log_view(people["owner"], attachment, via="download")
    assert (entry.target_type, entry.target_id, entry.classification) == (
        "attachment",
        attachment.pk,
        SC,
    )


@pytest.mark.parametrize(
    "visibility, level", [("open", "unclassified"), ("restricted", "confidential")]
)
def test_views_below_strictly_confidential_are_not_logged(communities, people, visibility, level):
    post, _ = create(communities[visibility], people["author"], classification=level)
    assert services.log_view(people["plain"], post) is None
    assert not AccessLog.objects.exists()


def test_expired_member_cannot_post(communities, people):
    from datetime import timedelta

    from django.utils import timezone

    temp = people["outsider"]
    add_member(
        communities["open"], temp, Role.MEMBER, expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(PermissionDenied):
        create(communities["open"], temp)


def test_granted_reader_who_left_the_community_loses_the_post(communities, people):
    from communities.models import Membership

    post = PostFactory(
        community=communities["restricted"], author=people["author"], classification=SC
    )
    grant_reader(post, people["plain"])
    assert can_view(people["plain"], post)
    Membership.objects.filter(
        user=people["plain"], content_object=communities["restricted"]
    ).delete()
    assert not can_view(people["plain"], post)


def test_editing_a_post_notifies_only_people_newly_mentioned(
    communities, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post, _ = create(communities["open"], people["author"], body="cc @plain")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(
            actor=people["author"], post=post, body="cc @plain and @moderator (typo fixed)"
        )
    mentions = Notification.objects.filter(kind="mention")
    assert sorted(mentions.values_list("recipient__username", flat=True)) == ["moderator", "plain"]


def test_wiki_revert_to_a_lower_revision_is_a_lowering_with_a_reason(communities, people):
    # SPEC §2.3: a revert restores the revision's level and readers. This test
    # used to expect the level (and readers) of today to stay; reverting to a revision
    # recorded lower is now a lowering: the author or an owner, with a reason.
    page, _ = services.wiki_create(
        actor=people["author"],
        community=communities["restricted"],
        title="Plan",
        body="v1",
        classification="confidential",
    )
    first = page.history.get()
    page, _ = services.wiki_update(
        actor=people["author"], page=page, body="v2", classification=SC, readers=[people["plain"]]
    )
    with pytest.raises(ValidationError):
        services.wiki_revert(actor=people["owner"], page=page, version=first.history_id)
    page = services.wiki_revert(
        actor=people["owner"], page=page, version=first.history_id, reason="v2 was a mistake"
    )
    assert (page.body_source, page.classification) == ("v1", "confidential")
    assert readers_of(page) == set()
    newest = page.history.order_by("-history_id").first()
    assert newest.history_change_reason == f"Reverted to revision {first.history_id}: v2 was a mistake"

def test_a_post_and_its_file_are_written_together_or_not_at_all(communities, people, private_media, settings):
    """The post-with-a-file use case is one service call: a refused file publishes nothing."""
    settings.ATTACHMENT_MAX_BYTES = 100
    community = communities["restricted"]
    with pytest.raises(ValidationError):
        services.post_create(
            actor=people["author"], community=community, title="With a file", body="<p>text</p>",
            classification=Level.CONFIDENTIAL, attachment=upload(content=b"x" * 101),
        )
    assert not Post.objects.filter(title="With a file").exists()
    post, _ = services.post_create(
        actor=people["author"], community=community, title="With a file", body="<p>text</p>",
        classification=Level.CONFIDENTIAL, attachment=upload(content=b"x" * 50),
    )
    assert [a.filename for a in post.attachments.all()] == ["report.pdf"]
    page, _ = services.wiki_create(
        actor=people["author"], community=community, title="Handbook", body="<p>text</p>",
        classification=Level.CONFIDENTIAL, attachment=upload(content=b"x" * 50),
    )
    services.wiki_update(actor=people["author"], page=page, body="<p>more</p>", attachment=upload("b.pdf"))
    assert sorted(a.filename for a in page.attachments.all()) == ["b.pdf", "report.pdf"]
