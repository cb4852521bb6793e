"""Deprovisioning (SPEC §7): ``unisocial.accounts.deactivate`` and the SCIM-style endpoint."""
import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, PostFactory, UserFactory
from unisocial.accounts import deactivate
from unisocial.models import ApiToken, OIDCIdentity, SignIn
from unisocial.tokens import create_token

pytestmark = pytest.mark.django_db

ISSUER = "https://id.example.org"
SECRET = "scim-secret-0123456789abcdef0123456789"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(settings):
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_DEPROVISION_TOKEN = SECRET


def provisioned(username="nadia", subject="00u-nadia"):
    user = UserFactory(username=username)
    OIDCIdentity.objects.create(user=user, issuer=ISSUER, subject=subject)
    return user


def signed_in_client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def patch(path, body, secret=SECRET, content_type="application/scim+json"):
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client(enforce_csrf_checks=True).patch(path, raw, content_type=content_type, headers=headers)


DEACTIVATE = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}


def test_deactivate_ends_every_session_and_token_and_keeps_the_content():
    user = UserFactory()
    other = UserFactory()
    post = PostFactory(author=user)
    one, two, theirs = signed_in_client(user), signed_in_client(user), signed_in_client(other)
    token, token_text = create_token(user, "script")
    assert SignIn.objects.filter(user=user).count() == 2

    deactivate(user, reason="test")

    user.refresh_from_db()
    assert not user.is_active
    assert not SignIn.objects.filter(user=user).exists()
    assert Session.objects.count() == 1  # only the other person's
    for client in (one, two):
        assert client.get("/").status_code == 302
    assert theirs.get("/").status_code in (200, 302)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_text}")
    assert api.get("/api/v1/me/").status_code in (401, 403)
    post.refresh_from_db()
    assert post.author == user  # content stays (SPEC §4)


def test_a_session_from_before_the_sign_in_record_is_refused_all_the_same():
    user = UserFactory()
    client = signed_in_client(user)
    SignIn.objects.all().delete()
    deactivate(user, reason="test")
    assert client.get("/").status_code == 302  # UserBackend.get_user refuses inactive users


def test_signing_out_forgets_the_sign_in():
    user = UserFactory()
    client = signed_in_client(user)
    client.post("/accounts/logout/")
    assert not SignIn.objects.exists()


# --- SCIM -----------------------------------------------------------------------------------------


def test_scim_deactivates_by_external_id_and_the_live_session_ends(scim):
    user = provisioned()
    client = signed_in_client(user)
    response = patch("/scim/v2/Users/00u-nadia", DEACTIVATE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "nadia", "externalId": "00u-nadia",
        "userName": "nadia", "active": False, "meta": {"resourceType": "User"},
    }
    user.refresh_from_db()
    assert not user.is_active
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("body", [
    {"active": False},
    {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "value": {"active": False}}]},
    {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": "False"}]},
])
def test_scim_takes_the_shapes_providers_send_and_the_username(scim, body):
    user = provisioned()
    assert patch("/scim/v2/Users/nadia", body).status_code == 200
    user.refresh_from_db()
    assert not user.is_active


def test_scim_reactivates(scim):
    user = provisioned()
    deactivate(user, reason="test")
    response = patch("/scim/v2/Users/nadia", {"active": True})
    assert response.status_code == 200 and response.json()["active"] is True
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("body, scim_type", [
    ("{not json", "invalidSyntax"),
    (b"\xff\xfe", "invalidSyntax"),
    ("", "invalidValue"),
    ([], "invalidValue"),
    ({"active": "no"}, "invalidValue"),
    ({"active": False, "userName": "x"}, "invalidValue"),
    ({"Operations": [{"op": "replace", "path": "active", "value": False}]}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": []}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": "replace"}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "active"}]}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "userName", "value": "x"}]}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": 0}]}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False, "x": 1}}]}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": ["replace"]}, "invalidValue"),
])
def test_scim_bad_input_is_a_clear_400(scim, body, scim_type):
    user = provisioned()
    response = patch("/scim/v2/Users/nadia", body)
    assert response.status_code == 400
    error = response.json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == "400" and error["scimType"] == scim_type and error["detail"]
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
def test_scim_without_the_secret_is_401_and_the_same_for_a_known_and_an_unknown_id(scim, secret):
    user = provisioned()
    known = patch("/scim/v2/Users/nadia", DEACTIVATE, secret=secret)
    unknown = patch("/scim/v2/Users/nobody", DEACTIVATE, secret=secret)
    assert known.status_code == unknown.status_code == 401
    assert known.content == unknown.content
    assert known["WWW-Authenticate"] == unknown["WWW-Authenticate"] == 'Bearer realm="scim"'
    user.refresh_from_db()
    assert user.is_active


def test_scim_other_schemes_are_401(scim):
    provisioned()
    response = Client().patch("/scim/v2/Users/nadia", json.dumps(DEACTIVATE), content_type="application/json",
                              headers={"Authorization": f"Basic {SECRET}"})
    assert response.status_code == 401


def test_scim_unknown_id_and_a_local_account_are_404(scim):
    UserFactory(username="breakglass", is_superuser=True)
    for ident in ("nobody", "breakglass"):
        response = patch(f"/scim/v2/Users/{ident}", DEACTIVATE)
        assert response.status_code == 404 and response.json()["status"] == "404"


def test_scim_only_patch(scim):
    provisioned()
    response = Client().get("/scim/v2/Users/nadia", headers={"Authorization": f"Bearer {SECRET}"})
    assert response.status_code == 405 and response["Allow"] == "PATCH"


def test_scim_without_a_configured_secret_is_404(settings):
    settings.OIDC_DEPROVISION_TOKEN = ""
    provisioned()
    for secret in ("", "anything"):
        assert patch("/scim/v2/Users/nadia", DEACTIVATE, secret=secret).status_code == 404


def test_a_sign_in_forgets_the_persons_sessions_that_ended_by_themselves():
    user = UserFactory()
    signed_in_client(user)
    Session.objects.all().delete()  # expired and cleared
    signed_in_client(user)
    assert SignIn.objects.filter(user=user).count() == 1
