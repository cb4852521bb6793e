import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.functional import empty
from zeal import zeal_ignore

from communities.models import Community, Role
from posts import services as post_services
from posts.models import Comment, Post, WikiPage
from posts.models.attachment import private_storage
from records.models import RetentionSchedule
from tests.factories import CommunityFactory, UserFactory, add_member
from unisocial.models import RECORDS_OFFICERS_GROUP

LONG_AGO = timezone.now() - dt.timedelta(days=4000)


@pytest.fixture
def private_media(settings, tmp_path):
    """Attachments and archive packages under a temporary PRIVATE_MEDIA_ROOT."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty  # the storage reads its location once
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def officer(db):
    user = UserFactory(username="officer")
    user.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))
    return user


@pytest.fixture
def cast(db):
    return {name: UserFactory(username=name) for name in ("owner", "author", "plain", "outsider")}


@pytest.fixture
def community(cast):
    with zeal_ignore():  # test data set-up, not application code
        c = CommunityFactory(visibility="restricted", slug="audit", name="Audit")
        add_member(c, cast["owner"], Role.OWNER)
        add_member(c, cast["author"], Role.MEMBER)
        add_member(c, cast["plain"], Role.MEMBER)
    return c


def age(obj, days=4000):
    """Make ``obj`` (post, wiki page, comment, community) inactive for ``days`` days, bypassing auto_now."""
    when = timezone.now() - dt.timedelta(days=days)
    if isinstance(obj, Community):
        Community.objects.filter(pk=obj.pk).update(last_activity_at=when)
    elif isinstance(obj, Post):
        Post.objects.filter(pk=obj.pk).update(updated_at=when, created_at=when)
        Comment.objects.filter(post=obj).update(updated_at=when, created_at=when)
    elif isinstance(obj, WikiPage):
        WikiPage.objects.filter(pk=obj.pk).update(updated_at=when, created_at=when)
    obj.refresh_from_db()
    return obj


def make_post(community, author, *, level="confidential", title="Budget review", old=True, **kwargs):
    with zeal_ignore():
        post, _w = post_services.post_create(
            actor=author, community=community, title=title, body="<p>Secret body</p>", classification=level, **kwargs
        )
    return age(post) if old else post


def make_wiki(community, author, *, level="confidential", title="Handbook", old=True):
    with zeal_ignore():
        page, _w = post_services.wiki_create(
            actor=author, community=community, title=title, body="<p>Wiki body</p>", classification=level
        )
    return age(page) if old else page


def attach(item, actor, name="minutes.txt", content=b"minutes of the meeting"):
    return post_services.attachment_add(actor=actor, item=item, upload=SimpleUploadedFile(name, content))


def schedule(content_type="post", classification=None, retain_days=365, disposition="destroy", name=None):
    return RetentionSchedule.objects.create(
        name=name or f"{content_type} {classification or 'any'} {disposition}",
        content_type=content_type, classification=classification, retain_days=retain_days,
        disposition=disposition,
    )


@pytest.fixture(autouse=True)
def packages_checked_by_bagit(monkeypatch):
    """Every package verified by ``records.packages.verify_package`` in these tests is also
    validated by the reference ``bagit`` library (tests/records/bagit_check.py). Returns the
    checksums of the packages checked (each is built and verified in a temporary file, then
    stored: the stored package is the one whose checksum was checked)."""
    from records import packages

    from .bagit_check import validate_with_bagit

    original = packages.verify_package
    checked = []

    def verify_and_validate(path, expected_checksum=None):
        checksum = original(path, expected_checksum)
        validate_with_bagit(path)
        checked.append(checksum)
        return checksum

    monkeypatch.setattr(packages, "verify_package", verify_and_validate)
    return checked


# --- a batch's life, as the people would live it (SPEC §4) -------------------------------------


def second_officer(username="officer2"):
    """A records officer other than the approver: confirms for communities with no active owner."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))
    return user


def confirm_all(batch, *, officer=None):
    """Each community of ``batch`` confirmed by its first active owner (or by ``officer`` where it has none)."""
    from django.contrib.auth import get_user_model

    from records import disposition, offices

    for entry in batch.communities.all():
        owners = offices.active_owner_ids(entry.community_id)
        if owners:
            actor = get_user_model().objects.get(pk=min(owners))
        else:
            actor = officer or get_user_model().objects.filter(username="officer2").first() or second_officer()
        disposition.batch_confirm(actor=actor, batch=batch, community_slug=entry.community_slug)
    batch.refresh_from_db()
    return batch


def gather_and_approve(officer, *, now=None):
    """Gather, confirm every community (owners), approve (``officer``, retyping the number)."""
    from records import disposition
    from records.models import DispositionBatch

    disposition.gather_due(now=now or timezone.now())
    batches = list(DispositionBatch.objects.filter(state="pending").order_by("pk"))
    for batch in batches:
        confirm_all(batch)
        disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))
    return batches


def after_restore_window(days=31):
    return timezone.now() + dt.timedelta(days=days)


def run_and_purge(batch_id, *, days=31):
    """Run the batch (items to quarantine), then purge as if the restore window had passed."""
    from records import disposition, quarantine

    result = disposition.run_batch(batch_id)
    quarantine.purge_due(now=after_restore_window(days))
    return result
