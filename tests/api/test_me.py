"""``me/``, ``me/accept-terms/`` and the terms gate on every other route (SPEC §1, §5)."""
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import UserFactory
from unisocial.models import RECORDS_OFFICERS_GROUP, TermsAcceptance, TermsVersion
from unisocial.tokens import create_token


def test_me_describes_the_current_user(api, make_user):
    user = make_user(display_name="Ada L.")
    response = api(user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": user.username,
        "display_name": "Ada L.",
        "accepted_terms": True,
        "is_records_officer": False,
        "current_terms_version": TermsVersion.current().version,
        "language": "",  # not chosen yet: the browser's (SPEC §7)
    }


def test_me_knows_records_officers(api, make_user):
    officer = make_user()
    officer.groups.add(Group.objects.get(name=RECORDS_OFFICERS_GROUP))
    assert api(officer).get("/api/v1/me/").json()["is_records_officer"] is True


def test_user_who_has_not_accepted_the_terms_is_refused_everywhere_but_me(api, db):
    newcomer = UserFactory(accepted_terms=False)
    client = api(newcomer)

    response = client.get("/api/v1/communities/")
    assert response.status_code == 403
    assert response.json()["code"] == "terms_not_accepted"
    assert "detail" in response.json()

    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["accepted_terms"] is False


def test_accepting_the_terms_opens_the_api_and_is_idempotent(api, db):
    newcomer = UserFactory(accepted_terms=False)
    client = api(newcomer)
    assert client.get("/api/v1/communities/").status_code == 403

    first = client.post("/api/v1/me/accept-terms/")
    assert first.status_code == 200
    assert first.json()["accepted_terms"] is True
    again = client.post("/api/v1/me/accept-terms/")
    assert again.status_code == 200
    assert TermsAcceptance.objects.filter(user=newcomer).count() == 1

    assert client.get("/api/v1/communities/").status_code == 200


def test_anonymous_callers_must_authenticate(db):
    client = APIClient()
    for path in ("/api/v1/me/", "/api/v1/communities/", "/api/v1/schema/"):
        response = client.get(path)
        assert response.status_code in (401, 403), path
    assert client.get("/api/v1/communities/").json()["code"] == "not_authenticated"
    assert client.post("/api/v1/me/accept-terms/").status_code in (401, 403)


def test_token_authentication_works(user):
    _row, token = create_token(user, "script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_unknown_api_path_is_a_json_404(api, user):
    response = api(user).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert "detail" in response.json()
