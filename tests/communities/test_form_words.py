"""What the community forms say (SPEC §2.1): the address help shows an address, the address rule
reads the same in its help and in its error (pages and API), a taken address gets a sentence, a
ceiling error reads "an open" / "a moderated", and a date picker carries no contradicting format."""

import pytest

from communities.models import Community
from communities.services import ADDRESS_RULE
from unisocial.classification import Level, Visibility

from .test_views import community_data


def api_data(**overrides):
    return {**community_data(**overrides), "premoderation": False}


def test_the_address_help_shows_an_example_address(login, user):
    page = login(user).get("/communities/new/").content.decode()
    assert "/communities/water-and-sanitation/" in page
    assert "/communities/ /" not in page and "<address>" not in page


@pytest.mark.parametrize("slug", ["Data_Stewards", "data stewards", "Data-Stewards", "data--stewards", "-data"])
def test_an_address_against_the_rule_gets_the_words_of_its_help_on_the_page_and_in_the_api(login, api, user, slug):
    response = login(user).post("/communities/new/", community_data(slug=slug))
    assert response.status_code == 200
    assert response.context["form"].errors["slug"] == [str(ADDRESS_RULE)]
    response = api(user).post("/api/v1/communities/", api_data(slug=slug), format="json")
    assert response.status_code == 400
    assert response.json()["slug"] == [str(ADDRESS_RULE)]
    assert not Community.objects.exists()
    # The rule's words are the help's words.
    assert "lower-case letters, digits and hyphens" in str(ADDRESS_RULE).lower()
    help_text = login(user).get("/communities/new/").context["form"].fields["slug"].help_text
    assert "lower-case letters, digits and hyphens" in str(help_text).lower()


def test_a_taken_address_gets_a_sentence_on_the_page_and_in_the_api(login, api, user, make_community):
    make_community(slug="data-stewards", name="Someone else's")
    page = login(user).post("/communities/new/", community_data()).content.decode()
    body = api(user).post("/api/v1/communities/", api_data(), format="json").content.decode()
    for text in (page, body):
        assert "This address is not available; choose another." in text
        assert "already exists" not in text and "with this Slug" not in text


@pytest.mark.parametrize(
    ("visibility", "ceiling", "sentence"),
    [
        (Visibility.OPEN, Level.CONFIDENTIAL, "An open community can hold at most Unclassified content."),
        (
            Visibility.MODERATED,
            Level.STRICTLY_CONFIDENTIAL,
            "A moderated community can hold at most Confidential content.",
        ),
    ],
)
def test_a_ceiling_error_reads_an_open_and_a_moderated(login, user, visibility, ceiling, sentence):
    response = login(user).post("/communities/new/", community_data(visibility=visibility, ceiling=ceiling))
    assert response.context["form"].errors["ceiling"] == [sentence]
    assert "A open" not in response.content.decode()


def test_the_end_date_is_a_date_picker_without_a_contradicting_format(login, user, make_community):
    community = make_community(owner=user)
    page = login(user).get(f"/communities/{community.slug}/members/").content.decode()
    assert 'type="date"' in page
    assert "YYYY-MM-DD" not in page and "mm/dd/yyyy" not in page.lower()
