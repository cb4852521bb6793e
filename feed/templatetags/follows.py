"""The follow button, for pages of the apps below the feed (the profile, ``posts/profile.html``):
``{% load follows %}{% follow_button person %}`` (SPEC §2.5, docs/architecture.md: a lower app's
page loads the higher app's tags)."""

from django import template

from feed.follows import is_following

register = template.Library()


@register.inclusion_tag("feed/_follow_button.html", takes_context=True)
def follow_button(context, person):
    user = context["user"]
    return {
        "user": user,
        "person": person,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "following": user.is_authenticated and is_following(user, person),
    }
