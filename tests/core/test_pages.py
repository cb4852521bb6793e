"""Site-wide pages: home, policies, login, post detail, language (SPEC §5, §6)."""

import re

import pytest
from django.urls import reverse

from communities.models import Role
from notifications.models import Notification
from unisocial.classification import Level, Status, Visibility


def test_anonymous_is_sent_to_login_from_home(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_has_labelled_fields(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username"' in page
    assert '<label for="id_password"' in page


def test_login_with_password_reaches_home(client, user, password):
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.status_code == 200


def test_home_lists_my_communities_with_role_and_newest_visible_posts(
    login, user, make_community, make_post, member
):
    mine = make_community(name="Water practice", visibility=Visibility.RESTRICTED)
    member(mine, user, Role.MODERATOR)
    secret = make_community(name="Hidden circle", visibility=Visibility.RESTRICTED)
    make_post(community=mine, title="Mine confidential", classification=Level.CONFIDENTIAL)
    make_post(community=secret, title="Not for me", classification=Level.CONFIDENTIAL)
    page = login(user).get("/").content.decode()
    assert "Water practice" in page
    assert "Moderator" in page
    assert "Hidden circle" not in page
    assert "Mine confidential" in page
    assert "Not for me" not in page
    assert re.search(r'class="badge badge--confidential">.*Confidential</span>', page)
    assert reverse("communities:list") in page


def test_nav_shows_unread_notification_count(login, user):
    Notification.objects.create(recipient=user, kind=Notification.Kind.MODERATION, legacy_message="m")
    Notification.objects.create(recipient=user, kind=Notification.Kind.MODERATION, legacy_message="n")
    page = login(user).get("/").content.decode()
    assert "2 unread" in page


def test_pages_carry_no_inline_script_or_style(login, user, make_community, make_post):
    make_post(community=make_community())
    page = login(user).get("/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []  # scripts are files (CSP: 'self')
    assert all(not inline.strip() for inline in re.findall(r"<script[^>]*>(.*?)</script>", page, re.S))
    assert "style=" not in page
    assert 'href="#main"' in page
    assert '<main id="main"' in page


@pytest.mark.parametrize("n", [5, 50])
def test_home_query_count_is_constant(
    login, user, make_community, make_post, member, n, django_assert_max_num_queries
):
    communities = [make_community() for _ in range(5)]
    for c in communities:
        member(c, user)
    for i in range(n):
        make_post(community=communities[i % 5])
    client = login(user)
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200


def test_policies_list_the_instruments_of_section_4_1(client, db):
    page = client.get("/policies/").content.decode()
    for ref in [
        "ST/SGB/2004/15",
        "ST/SGB/2007/6",
        "ST/SGB/2007/5",
        "ST/SGB/2016/9",
        "ST/SGB/2019/8",
        "ST/AI/2005/10",
    ]:
        assert ref in page
    for letter in "abcdefg":
        assert f"({letter})" in page


def test_home_in_french_after_switching_language(login, user):
    client = login(user)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="fr" dir="ltr">' in page
    assert "Mes communautés" in page
    assert "Accueil" in page


def test_arabic_pages_are_right_to_left(login, user):
    # SPEC §7: Arabic is laid out right to left, from Django's language info (LANGUAGE_BIDI).
    client = login(user)
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert '<html lang="ar" dir="rtl">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans" dir="ltr">' in client.get("/").content.decode()


def test_post_detail_shows_marking_and_is_404_when_invisible(
    login, user, make_community, make_post, member
):
    restricted = make_community(visibility=Visibility.RESTRICTED)
    post = make_post(
        community=restricted, title="Budget", classification=Level.STRICTLY_CONFIDENTIAL
    )
    client = login(user)
    assert client.get(f"/posts/{post.pk}/").status_code == 404
    member(restricted, user, Role.OWNER)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Budget" in page
    assert "Strictly Confidential" in page
    assert restricted.name in page


def test_post_detail_of_withdrawn_post_is_404_even_for_author(login, make_post):
    post = make_post(status=Status.WITHDRAWN)
    assert login(post.author).get(f"/posts/{post.pk}/").status_code == 404


def test_post_body_is_escaped_until_the_sanitizer_exists(login, make_post):
    post = make_post(body='<img src=x onerror="alert(1)">')
    page = login(post.author).get(f"/posts/{post.pk}/").content.decode()
    assert "<img src=x" not in page
