"""/api/v1/docs/ (SPEC §6): the schema as a browsable page, from the project's own static files,
behind the API's sign-in and terms gate, under the site's CSP (no inline script or style).

It names no object of anyone's (the schema is the same for every authorized user), so there is no
existence oracle to test; its matrix row is in tests/security/matrix.py.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html):
    parser = Tags()
    parser.feed(html)
    return parser.tags


def signed_in(user=None):
    client = Client()
    client.force_login(user or UserFactory())
    return client


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/docs/?script="])
def test_the_docs_answer_like_the_api_before_sign_in_and_before_the_terms(path):
    anonymous = Client().get(path, HTTP_ACCEPT="text/html")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    no_terms = signed_in(UserFactory(accepted_terms=False)).get(path, HTTP_ACCEPT="text/html")
    assert no_terms.status_code == 403 and no_terms.json()["code"] == "terms_not_accepted"


def test_the_page_loads_everything_from_our_own_static_files_with_no_inline_script_or_style():
    response = signed_in().get("/api/v1/docs/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    found = tags(html)
    scripts = [attrs for tag, attrs in found if tag == "script"]
    assert len(scripts) == 3 and all(a.get("src") for a in scripts)
    assert not re.search(r"<script[^>]*>\s*[^<\s]", html)  # no script body
    assert "<style" not in html and not any("style" in attrs for _, attrs in found)
    assert not any(
        attrs.get(k, "").startswith(("http:", "https:", "//")) for _, attrs in found for k in ("src", "href")
    )
    static = [a["src"] for a in scripts[:2]] + [a["href"] for t, a in found if t == "link"]
    for url in static:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not one of our static files"
    assert scripts[2]["src"] == "/api/v1/docs/?script="
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in a["src"] for a in scripts)


def test_the_initialising_script_is_a_file_that_reads_our_schema():
    response = signed_in().get("/api/v1/docs/?script=")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert 'url: "/api/v1/schema/"' in script and "SwaggerUIBundle(" in script
    assert '"validatorUrl": null' in script  # no call to the public validator service


def test_a_real_browser_shows_the_schema_without_a_csp_violation(page, live_server):
    user = UserFactory()
    page.goto("/accounts/login/?next=/api/v1/docs/")
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "unisocial API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/posts/").first.wait_for()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.reload()
    page.locator(".opblock-summary-path").first.wait_for()
    assert not [m for m in console if "Content Security Policy" in m], console
    assert not page.js_errors
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(live_server.url).netloc}
