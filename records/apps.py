from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Records management")

    def ready(self):
        # Records builds on posts: posts announces its writes and lowerings, records answers.
        from posts import signals

        from .declassification import lowering_announced
        from .holds import refuse_held_write

        signals.item_write_requested.connect(refuse_held_write, dispatch_uid="records.holds.refuse_held_write")
        signals.item_level_lowered.connect(
            lowering_announced, dispatch_uid="records.declassification.lowering_announced"
        )
