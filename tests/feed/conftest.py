"""Shared set-up for the feed and search tests.

``world`` builds one community of each visibility and, for the viewer
``me``, one visible control item next to every kind of item the access
rule hides (SPEC §2.2), all carrying the word in ``WORD`` so that search
finds every one it is allowed to.
"""

from types import SimpleNamespace

import pytest
from guardian.shortcuts import assign_perm

from communities.models import Role
from feed.models import Follow
from posts.models import Comment, WikiPage
from tests.factories import CommunityFactory, PostFactory, UserFactory, add_member
from unisocial.classification import Level, Status, Visibility

WORD = "hydrology"


def wiki(community, author, title, *, body="", classification=Level.UNCLASSIFIED, **kwargs):
    return WikiPage.objects.create(
        community=community,
        slug=title.lower().replace(" ", "-"),
        title=title,
        body=body or f"<p>{WORD} notes</p>",
        classification=classification,
        author=author,
        **kwargs,
    )


def comment(post, author, body=None, **kwargs):
    return Comment.objects.create(
        post=post, author=author, body=body or f"<p>{WORD} reply</p>", **kwargs
    )


@pytest.fixture
def world(db):
    me, other, followed = UserFactory(username="me"), UserFactory(), UserFactory(username="pal")
    open_c = CommunityFactory(name="Open water", slug="open-water", visibility=Visibility.OPEN)
    mine = CommunityFactory(name="My circle", slug="my-circle", visibility=Visibility.RESTRICTED)
    moderated = CommunityFactory(
        name="Moderated", slug="moderated", visibility=Visibility.MODERATED
    )
    restricted = CommunityFactory(name="Closed", slug="closed", visibility=Visibility.RESTRICTED)
    # me is not a member of open_c: its post reaches my feed through following pal.
    add_member(mine, me)
    for c in (open_c, mine, moderated, restricted):
        add_member(c, other, Role.OWNER)
        add_member(c, followed)
    Follow.objects.create(follower=me, followed=followed)

    def post(title, community=mine, **kwargs):
        kwargs.setdefault("author", other)
        return PostFactory(title=title, body=f"<p>About {WORD}.</p>", community=community, **kwargs)

    visible = post("Visible in my circle")
    granted = post("Strictly granted", classification=Level.STRICTLY_CONFIDENTIAL)
    assign_perm("posts.read_post", me, granted)
    hidden = {
        "hidden": post("Hidden by moderation", status=Status.HIDDEN),
        "pending": post("Pending approval", status=Status.PENDING),
        "withdrawn": post("Withdrawn by author", status=Status.WITHDRAWN),
        "strictly_confidential": post(
            "Strictly not granted", classification=Level.STRICTLY_CONFIDENTIAL
        ),
        # by a followed author, in communities I am not a member of
        "moderated_non_member": post("Moderated not mine", community=moderated, author=followed),
        "restricted_non_member": post("Restricted not mine", community=restricted, author=followed),
        "confidential_non_member": post(
            "Confidential not mine",
            community=moderated,
            author=followed,
            classification=Level.CONFIDENTIAL,
        ),
    }
    followed_open = post("Followed in open", community=open_c, author=followed)
    comments = {
        "visible": comment(visible, other, f"<p>Visible {WORD} comment</p>"),
        "of_hidden_post": comment(hidden["hidden"], other, f"<p>Comment on hidden {WORD}</p>"),
        "of_sc_post": comment(
            hidden["strictly_confidential"], other, f"<p>Comment on secret {WORD}</p>"
        ),
        "of_restricted_post": comment(
            hidden["restricted_non_member"], other, f"<p>Comment on closed {WORD}</p>"
        ),
        "withdrawn": comment(
            visible, other, f"<p>Withdrawn {WORD} comment</p>", status=Status.WITHDRAWN
        ),
        "hidden": comment(visible, other, f"<p>Hidden {WORD} comment</p>", status=Status.HIDDEN),
    }
    wikis = {
        "visible": wiki(mine, other, "Visible wiki"),
        "strictly_confidential": wiki(
            mine, other, "Secret wiki", classification=Level.STRICTLY_CONFIDENTIAL
        ),
        "restricted_non_member": wiki(restricted, other, "Closed wiki"),
        "withdrawn": wiki(mine, other, "Withdrawn wiki", status=Status.WITHDRAWN),
    }
    return SimpleNamespace(
        me=me,
        other=other,
        followed=followed,
        open=open_c,
        mine=mine,
        moderated=moderated,
        restricted=restricted,
        visible=visible,
        granted=granted,
        hidden=hidden,
        followed_open=followed_open,
        comments=comments,
        wikis=wikis,
    )
