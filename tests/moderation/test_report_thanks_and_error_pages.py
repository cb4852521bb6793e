"""SPEC §3: the reporter whose report hides an item lands on a page that thanks them and says the
item is now hidden, not on "not found"; and every error page is the site's own, in the demo too
(``DEBUG=True``): Django's technical pages only when ``DEBUG_TECHNICAL_PAGES`` asks for them."""

import pytest
from django.template import loader
from django.test import Client

from posts.models import Post

pytestmark = pytest.mark.django_db


def test_the_threshold_reporter_is_thanked_and_told_the_item_is_hidden(cast, post_in, client):
    post = post_in(title="Cheap watches")
    for name in ("reader1", "reader2"):
        client.force_login(cast[name])
        assert client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam"}).status_code == 302
    client.force_login(cast["reader3"])
    response = client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for your report" in html and "it is now hidden" in html
    assert 'href="/communities/a/"' in html
    assert Post.objects.get(pk=post.pk).status == "hidden"
    assert client.get(f"/posts/{post.pk}/").status_code == 404  # as before: hidden from them


def test_a_report_below_the_threshold_goes_back_to_the_item(cast, post_in, client):
    post = post_in()
    client.force_login(cast["reader1"])
    response = client.post(f"/moderation/report/post/{post.pk}/", {"reason": "spam"})
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.pk}/"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_PAGES = False
    return settings


def test_in_the_demo_a_missing_page_is_the_friendly_404(cast, post_in, client, demo):
    client.force_login(cast["outsider"])
    for path in ("/no-such-page/", f"/posts/{post_in().pk}/"):
        response = client.get(path)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Page not found" in html and "Back to the home page" in html
        assert "URLconf" not in html and "Django tried these URL patterns" not in html
        assert "Signed in as" in html  # the site's own page, with its header


def test_in_the_demo_an_address_without_its_slash_still_redirects(cast, client, demo):
    client.force_login(cast["outsider"])
    response = client.get("/communities")
    assert response.status_code == 301 and response["Location"] == "/communities/"


@pytest.mark.urls("tests.moderation.failing_urls")
def test_in_the_demo_a_server_error_is_the_friendly_500(cast, demo):
    client = Client(raise_request_exception=False)
    client.force_login(cast["outsider"])
    response = client.get("/fails/", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html
    text = client.get("/fails/", HTTP_ACCEPT="application/json")
    assert text.status_code == 500 and b"secret internals" not in text.content


def test_technical_pages_only_when_asked_for(cast, client, settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_PAGES = True
    client.force_login(cast["outsider"])
    assert "Django tried these URL patterns" in client.get("/no-such-page/").content.decode()


def test_the_403_page_is_the_sites_own(cast, post_in, client, demo):
    client.force_login(cast["reader1"])
    response = client.post(f"/moderation/act/post/{post_in().pk}/", {"action": "hide", "reason": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and "owners and moderators" in html


def test_the_500_page_renders_without_any_request_context():
    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html and "unisocial" in html


def test_a_moderators_confidentiality_report_says_it_hid_the_item(cast, post_in, client):
    post = post_in(classification="confidential")
    client.force_login(cast["moderator"])
    response = client.post(f"/moderation/report/post/{post.pk}/", {"reason": "confidentiality"}, follow=True)
    assert "your report hid the item at once" in response.content.decode()
    assert Post.objects.get(pk=post.pk).status == "hidden"
