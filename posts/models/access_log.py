"""Every view of a strictly confidential item is logged (SPEC §2.2); records officers read it.

The log is append-only (SPEC §4): no UPDATE nor DELETE, on PostgreSQL a trigger refuses them.
A row keeps its community's id when records disposition destroys the community (no database
constraint, nothing is set to null), as it keeps the id of the item it names.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone

from unisocial.db import AppendOnlyModel


class AccessLog(AppendOnlyModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(max_length=16)  # post, wiki, attachment
    target_id = models.PositiveBigIntegerField()
    community = models.ForeignKey(
        "communities.Community", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    classification = models.CharField(max_length=24)
    via = models.CharField(max_length=16, default="web")  # web, api, download
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} viewed {self.target_type} {self.target_id}"
