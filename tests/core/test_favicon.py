"""The site has an icon: every page links one, and /favicon.ico (which browsers ask for on their
own) answers the icon to anyone, signed in or not, rather than a 404 or a sign-in redirect."""

import pytest
from django.contrib.staticfiles import finders

from tests.factories import UserFactory


def test_favicon_ico_is_served_to_anyone(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO file
    client.force_login(UserFactory())  # terms not accepted: still the icon, not /terms/
    assert client.get("/favicon.ico").status_code == 200


@pytest.mark.parametrize("path", ["/accounts/login/", "/terms/"])
def test_pages_link_the_icon_in_their_head(client, db, path):
    head = client.get(path).content.decode().split("</head>")[0]
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in head
    assert finders.find("img/favicon.svg")
