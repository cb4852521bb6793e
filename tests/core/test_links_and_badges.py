"""The cheap building blocks of the cards (docs/performance.md, "Template rendering") give what
the expensive ones gave: ``unisocial.links.link`` the string ``reverse()`` returns, and the cached
classification badge the badge template rendered in the active language."""

import pytest
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from unisocial.classification import Level
from unisocial.links import link
from unisocial.templatetags.markings import classification_badge


@pytest.mark.parametrize("pk", [1, 7, 987654321987, 10**15])
def test_a_post_link_is_what_reverse_gives(pk):
    assert link("posts:detail", "pk", pk) == reverse("posts:detail", kwargs={"pk": pk})


@pytest.mark.parametrize("username", ["alice", "a.b+c@d-e_f", "zoë", "Ωμέγα", "x~y:z", "100%", "a b"])
def test_a_profile_link_is_what_reverse_gives(username):
    assert link("posts:profile", "username", username, "str") == reverse("posts:profile", kwargs={"username": username})


@pytest.mark.parametrize("slug", ["un-security-council", "a_b-9", "x"])
def test_a_community_link_is_what_reverse_gives(slug):
    assert link("communities:detail", "slug", slug, "slug") == reverse("communities:detail", kwargs={"slug": slug})


def test_a_value_the_route_refuses_raises_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        link("communities:detail", "slug", "not a slug/..", "slug")
    with pytest.raises(NoReverseMatch):
        link("posts:profile", "username", "a/b", "str")
    with pytest.raises(NoReverseMatch):
        link("posts:detail", "pk", "-1")


def test_a_script_prefix_is_followed():
    before = link("posts:detail", "pk", 5)
    set_script_prefix("/mounted/")
    try:
        assert link("posts:detail", "pk", 5) == reverse("posts:detail", kwargs={"pk": 5}) == "/mounted/posts/5/"
    finally:
        set_script_prefix("/")
    assert link("posts:detail", "pk", 5) == before == "/posts/5/"


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_cached_badge_is_the_badge_template_in_the_active_language(language):
    with translation.override(language):
        for level in Level.values:
            for prefix in (True, False):
                badge = classification_badge(level, prefix)
                expected = get_template("includes/classification_badge.html").render(
                    {"level": level, "label": Level(level).label, "prefix": prefix}
                )
                assert badge == expected
                assert str(Level(level).label) in badge
        assert ("visually-hidden" in classification_badge(Level.CONFIDENTIAL, True)) is True
        assert "visually-hidden" not in classification_badge(Level.CONFIDENTIAL, False)


def test_the_badge_follows_the_language_and_an_unknown_value_is_shown_as_is():
    with translation.override("en"):
        english = classification_badge(Level.CONFIDENTIAL)
    with translation.override("fr"):
        french = classification_badge(Level.CONFIDENTIAL)
    assert english != french  # the label and the hidden prefix are translated, not cached across languages
    assert "badge--unknown" in classification_badge("legacy-level") and "legacy-level" in classification_badge(
        "legacy-level"
    )
