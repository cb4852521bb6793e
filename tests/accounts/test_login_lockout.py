"""Password sign-ins are throttled per account and per address (SPEC §7, django-axes): after
LOGIN_FAILURE_LIMIT failures the account, and the address, are refused for the cool-off — with a
clear message on the login page, status 429 — on the site's login and both admin sites' logins.
The test settings turn axes off (Client.login has no request); here it is on, as in production."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("axes_on")]

LIMIT = 3


@pytest.fixture
def axes_on():
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=timedelta(minutes=15)):
        yield


def attempt(client, username, password, address="10.0.0.1", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return "_auth_user_id" in client.session


def test_an_account_is_locked_after_repeated_failures_with_a_clear_message(client):
    user = UserFactory()
    for _ in range(LIMIT - 1):
        assert attempt(client, user.username, "wrong").status_code == 200
    locked = attempt(client, user.username, "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed sign-in attempts" in html and "15 minutes" in html
    assert 'name="password"' in html  # the login page itself, with its form
    # Even the right password is refused now, and says so.
    right = attempt(client, user.username, PASSWORD)
    assert right.status_code == 429 and not signed_in(client)


def test_the_account_stays_locked_from_another_address(client):
    user = UserFactory()
    for n in range(LIMIT):
        attempt(client, user.username, "wrong", address=f"10.0.1.{n}")
    assert attempt(client, user.username, PASSWORD, address="10.9.9.9").status_code == 429
    assert not signed_in(client)


def test_an_address_is_locked_for_every_account(client):
    victim = UserFactory()
    for n in range(LIMIT):
        attempt(client, f"nobody{n}", "wrong", address="10.0.2.1")
    assert attempt(client, victim.username, PASSWORD, address="10.0.2.1").status_code == 429
    # The account itself is not locked: from another address it signs in.
    assert attempt(client, victim.username, PASSWORD, address="10.0.2.2").status_code == 302
    assert signed_in(client)


def test_a_success_resets_the_count(client):
    user = UserFactory()
    for _ in range(LIMIT - 1):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert attempt(client, user.username, "wrong").status_code == 200
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client):
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("path", ["/admin/login/", "/moderation/login/"])
def test_both_admin_sites_logins_lock_too(client, path):
    manager = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        attempt(client, manager.username, "wrong", path=path)
    locked = attempt(client, manager.username, PASSWORD, path=path)
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    assert not signed_in(client)
    # …and the account is locked on the site's own login as well.
    assert attempt(client, manager.username, PASSWORD).status_code == 429


def test_system_managers_read_and_clear_lockouts_on_the_system_admin_only(client):
    user = UserFactory()
    for _ in range(LIMIT):
        attempt(client, user.username, "wrong")
    manager = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(manager)
    page = client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and user.username in page.content.decode()
    row = AccessAttempt.objects.get(username=user.username)
    assert client.post(f"/admin/axes/accessattempt/{row.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    client.logout()
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_the_lockout_admin_is_not_on_the_moderation_site():
    from axes.models import AccessFailureLog, AccessLog

    from moderation.sites import moderation_site

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert not moderation_site.is_registered(model)
