"""The two-node proof's data (tests/services/test_two_nodes.py), written once into its own migrated
database by a process of its own (``python -m tests.services.twonode_seed ITEMS``, settings from the
environment as for the nodes), committed, so that every node and worker sees it. Prints one JSON
line: the people's API tokens and the ids the tests need."""

import datetime as dt
import json
import sys

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities.models import Role  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.services import notify  # noqa: E402
from posts.models import Comment, Post  # noqa: E402
from records import disposition  # noqa: E402
from records.models import DispositionBatch, RetentionSchedule  # noqa: E402
from tests.factories import CommunityFactory, UserFactory, add_member  # noqa: E402
from unisocial.models import RECORDS_OFFICERS_GROUP  # noqa: E402
from unisocial.tokens import create_token  # noqa: E402

LONG_AGO = timezone.now() - dt.timedelta(days=4000)


def main(items: int) -> dict:
    ada = UserFactory(username="ada")  # owner of every community
    ben = UserFactory(username="ben")  # a member, removed in test (b)
    cleo = UserFactory(username="cleo")  # the records officer
    cleo.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))

    # (b): a restricted community, its confidential post, and Ben's notification about it.
    shared = CommunityFactory(visibility="restricted", slug="shared", name="Shared")
    add_member(shared, ada, Role.OWNER)
    add_member(shared, ben, Role.MEMBER)
    secret = Post.objects.create(
        community=shared,
        author=ada,
        title="Quarterly secret figures",
        body="<p>Only members read this.</p>",
        classification="confidential",
    )
    for kind in (Notification.Kind.COMMENT, Notification.Kind.MENTION):
        notify(
            [ben],
            kind=kind,
            event=kind.value,
            actor=ada,
            community=shared,
            url=f"/posts/{secret.pk}/",
            classification="confidential",
            target=("post", secret.pk),
        )

    # (c) and (e): an open community both may write in.
    lobby = CommunityFactory(visibility="open", slug="lobby", name="Lobby")
    add_member(lobby, ada, Role.OWNER)
    add_member(lobby, ben, Role.MEMBER)

    # (d): old posts past a schedule's retention, gathered into one batch awaiting its sign-offs.
    archive = CommunityFactory(visibility="restricted", slug="archive", name="Archive")
    add_member(archive, ada, Role.OWNER)
    old = [
        Post(community=archive, author=ada, title=f"Old {n}", body="<p>old</p>", classification="confidential")
        for n in range(items)
    ]
    Post.objects.bulk_create(old)
    Post.objects.filter(community=archive).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    Comment.objects.filter(post__community=archive).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    RetentionSchedule.objects.create(
        name="Old posts", content_type="post", classification=None, retain_days=365, disposition="destroy"
    )
    disposition.gather_due(now=timezone.now())
    batch = DispositionBatch.objects.get()

    tokens = {u.username: create_token(u, "two nodes")[1] for u in (ada, ben, cleo)}
    return {"tokens": tokens, "secret_post": secret.pk, "batch": batch.pk, "batch_total": batch.total}


if __name__ == "__main__":
    print("SEED " + json.dumps(main(int(sys.argv[1]))))
