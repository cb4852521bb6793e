import pytest
from django.utils import translation

from communities.models import Role

from .factories import PASSWORD, CommunityFactory, PostFactory, UserFactory, add_member


@pytest.fixture(autouse=True)
def _empty_cache_for_each_test():
    """Each test starts with an empty cache: rolled-back tests reuse ids (SQLite), and a count
    cached for user 3 of one test is not user 3 of the next (notifications/unread.py)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request activates its reader's language for the thread (LocaleMiddleware, and the
    person's own: unisocial.middleware.PersonLanguageMiddleware) and leaves it active, as
    Django does; the next test starts in the site's language, not the last reader's."""
    yield
    translation.deactivate()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def make_user(db):
    return UserFactory


@pytest.fixture
def make_community(db):
    def make(owner=None, **kwargs):
        community = CommunityFactory(**kwargs)
        if owner is not None:
            add_member(community, owner, Role.OWNER)
        return community

    return make


@pytest.fixture
def make_post(db):
    return PostFactory


@pytest.fixture
def member(db):
    return add_member


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.fixture
def api(db):
    from rest_framework.test import APIClient

    def make(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return make


@pytest.fixture
def password():
    return PASSWORD


# --- a real S3-compatible object store on loopback (SPEC §8; tests/services/s3.py) ---------------


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 (a free port), one for the session; skipped without moto."""
    from .services.s3 import MOTO_MISSING, SKIP_REASON, S3Server

    if MOTO_MISSING:
        pytest.skip(SKIP_REASON)
    server = S3Server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server):
    """A fresh private bucket with ``STORAGES["private"]`` on it for this test. Yields
    ``(server, bucket)``; the bucket is emptied and dropped, the local alias put back, afterwards."""
    from .services.s3 import private_storage_on

    bucket = s3_server.new_bucket()
    with private_storage_on(s3_server, bucket):
        yield s3_server, bucket
    s3_server.drop_bucket(bucket)
