"""SPEC §1, §5: until the current terms are accepted every page redirects to /terms/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from unisocial.models import TermsAcceptance, TermsVersion


@pytest.fixture
def newcomer(make_user):
    return make_user(accepted_terms=False)


@pytest.mark.parametrize("path", ["/", "/communities/"])
def test_user_without_acceptance_is_redirected_to_terms_with_next(login, newcomer, path):
    response = login(newcomer).get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/terms/?next={path}"


def test_accepting_the_terms_leads_back_to_the_page(login, newcomer):
    client = login(newcomer)
    page = client.get("/terms/?next=/communities/")
    assert page.status_code == 200
    assert b"I accept" in page.content
    current = TermsVersion.current()
    response = client.post("/terms/", {"version": current.version, "next": "/communities/"})
    assert response.status_code == 302
    assert response["Location"] == "/communities/"
    assert TermsAcceptance.objects.filter(user=newcomer, terms=current).exists()
    assert client.get("/communities/").status_code == 200
    assert client.get("/").status_code == 200


def test_accepting_refuses_an_external_next_url(login, newcomer):
    client = login(newcomer)
    current = TermsVersion.current()
    response = client.post("/terms/", {"version": current.version, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_new_terms_version_requires_accepting_again(login, user):
    client = login(user)
    assert client.get("/").status_code == 200
    new = TermsVersion.objects.create(
        version="2.0", title="Terms, second edition", text="New text", published_at=timezone.now()
    )
    response = client.get("/")
    assert response["Location"] == "/terms/?next=/"
    page = client.get("/terms/")
    assert b"Terms, second edition" in page.content
    client.post("/terms/", {"version": "2.0", "next": "/"})
    assert TermsAcceptance.objects.filter(user=user, terms=new).exists()
    assert client.get("/").status_code == 200


def test_accepting_a_version_that_was_replaced_meanwhile_is_refused(login, newcomer):
    client = login(newcomer)
    TermsVersion.objects.create(
        version="2.0", title="Newer", text="x", published_at=timezone.now() + timedelta(seconds=1)
    )
    # The form showed 1.0; 2.0 is current now (published_at in the past by the time we post).
    TermsVersion.objects.filter(version="2.0").update(published_at=timezone.now())
    client.post("/terms/", {"version": "1.0"})
    assert not TermsAcceptance.objects.filter(user=newcomer).exists()


def test_already_accepted_shows_the_date_and_no_form(login, user):
    page = login(user).get("/terms/")
    assert b"You accepted version 1.0 on" in page.content
    assert b"I accept" not in page.content


def test_exempt_pages_stay_reachable_before_accepting(login, newcomer):
    client = login(newcomer)
    assert client.get("/terms/").status_code == 200
    assert client.get("/policies/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200


def test_anonymous_can_read_terms_and_policies_but_not_accept(client, db):
    page = client.get("/terms/")
    assert page.status_code == 200
    assert b"Terms of use of unisocial" in page.content
    assert b"I accept" not in page.content
    assert client.get("/policies/").status_code == 200
    response = client.post("/terms/", {"version": "1.0"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
