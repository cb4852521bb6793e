"""Following a person: their visible posts join my home feed (SPEC §2.5, §6 ``/``).

Following reveals nothing by itself: the feed still shows only what the
access rule lets the follower see.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_by"
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        # The table kept its name when the model left the posts app.
        db_table = "posts_follow"
        verbose_name = _("follow")
        constraints = [
            # Also the (follower, followed) index the feed's subquery uses.
            models.UniqueConstraint(fields=["follower", "followed"], name="one_follow_per_pair"),
            models.CheckConstraint(condition=~Q(follower=F("followed")), name="no_self_follow"),
        ]

    def __str__(self):
        return f"{self.follower} follows {self.followed}"
