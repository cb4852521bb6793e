"""The OpenAPI schema (SPEC §6) is served and generates without warnings."""
from django.core.management import call_command


def test_schema_lists_the_communities_routes(api, user):
    response = api(user).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/me/",
        "/api/v1/me/accept-terms/",
        "/api/v1/communities/",
        "/api/v1/communities/{slug}/",
        "/api/v1/communities/{slug}/join/",
        "/api/v1/communities/{slug}/members/",
        "/api/v1/communities/{slug}/members/{username}/",
        "/api/v1/communities/{slug}/audience/",
    ):
        assert path in paths, path


def test_schema_generates_without_warnings(db, tmp_path):
    out = str(tmp_path / "schema.yml")
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", out)
