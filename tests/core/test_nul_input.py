"""A NUL character in an address or a form answers 400 with a clear message on every route, and
changes nothing (unisocial.middleware.NulCharacterMiddleware). PostgreSQL refuses NUL in text:
without the guard a query parameter such as ``?community=%00`` reached a query and gave a 500."""

import pytest

from communities.models import Community
from tests.security.test_routes_covered import all_routes
from unisocial.middleware import OWN_BAD_INPUT_ANSWERS

MESSAGE = "The address contains a character that is not allowed (NUL)."


def _routes_without_arguments():
    """Every route of the site (both admin sites included) that takes no path argument."""
    return sorted(r for r in all_routes() if "<" not in r and "(?P" not in r and not r.startswith("^"))


@pytest.mark.django_db
def test_a_nul_in_any_query_parameter_of_any_route_is_a_400_never_a_500(client, user):
    client.force_login(user)
    routes = _routes_without_arguments()
    assert len(routes) > 40  # the walk found the site, not an empty list
    for route in routes:
        response = client.get("/" + route, {"q": "a\x00b", "page": "\x00"})
        # The OpenID Connect and SCIM endpoints answer in their protocol's words; the health probes
        # are answered before everything else and read no parameter.
        if ("/" + route).startswith(OWN_BAD_INPUT_ANSWERS) or route in ("healthz", "readyz"):
            assert response.status_code < 500, (route, response.status_code)
        else:
            assert response.status_code == 400, (route, response.status_code)


@pytest.mark.django_db
def test_the_page_says_what_is_wrong_and_the_api_answers_json(client, user):
    client.force_login(user)
    page = client.get("/search/", {"q": "budget\x00"})
    assert page.status_code == 400
    assert MESSAGE in page.content.decode()
    assert page.templates[0].name == "bad_request.html"
    api = client.get("/api/v1/posts/", {"community": "\x00"})
    assert api.status_code == 400
    assert MESSAGE in api.json()["detail"]
    # a NUL in a query parameter's name too
    assert client.get("/search/?q\x00=x").status_code == 400


@pytest.mark.django_db
def test_a_nul_in_a_path_segment_is_a_400(client, user):
    client.force_login(user)
    for path in ("/people/a%00b/", "/people/a%00b/follow/", "/communities/x/members/a%00/role/", "/api/v1/x%00/"):
        response = client.get(path)
        assert response.status_code == 400, path


@pytest.mark.django_db
def test_a_nul_in_a_form_field_is_the_forms_error_and_changes_nothing(client, user):
    """Bodies are the forms' to judge: Django's character fields refuse NUL with their own message."""
    client.force_login(user)
    before = Community.objects.count()
    response = client.post("/communities/new/", {"name": "Budget\x00 office", "description": "x"})
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert Community.objects.count() == before


@pytest.mark.django_db
def test_ordinary_requests_pass(client, user):
    client.force_login(user)
    assert client.get("/search/", {"q": "budget"}).status_code == 200
    assert client.get("/api/v1/posts/", {"q": "a\tb"}).status_code == 200
