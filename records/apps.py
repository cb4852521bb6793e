from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Records management")

    def ready(self):
        # Records builds on posts: posts announces its writes and lowerings, records answers.
        from django.db.models.signals import post_delete

        from posts import signals

        from . import notices  # noqa: F401  the sentences of its notifications (SPEC §7)
        from .declassification import lowering_announced
        from .exports import file_deleted_with_row
        from .holds import refuse_held_write
        from .models import CommunityExport

        signals.item_write_requested.connect(refuse_held_write, dispatch_uid="records.holds.refuse_held_write")
        signals.item_level_lowered.connect(
            lowering_announced, dispatch_uid="records.declassification.lowering_announced"
        )
        # An export's package leaves storage with its row (e.g. its community destroyed by disposition).
        post_delete.connect(file_deleted_with_row, sender=CommunityExport, dispatch_uid="records.exports.file_deleted")
