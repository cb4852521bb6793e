"""Writes on follows: following and unfollowing a person (SPEC §2.5).

The feed reads follows in ``feed.selectors``.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Follow


@transaction.atomic
def follow_user(*, actor, target) -> Follow:
    """``actor`` follows ``target`` (idempotent). Nobody follows themself."""
    if actor.pk == target.pk:
        raise ValidationError(_("You cannot follow yourself."))
    follow, _created = Follow.objects.get_or_create(follower=actor, followed=target)
    return follow


@transaction.atomic
def unfollow_user(*, actor, target) -> None:
    """``actor`` stops following ``target`` (idempotent)."""
    Follow.objects.filter(follower=actor, followed=target).delete()


def is_following(actor, target) -> bool:
    return Follow.objects.filter(follower_id=actor.pk, followed_id=target.pk).exists()
