"""Form widgets for user-written choices (SPEC §7: user text shown with dir="auto")."""
from django import forms


class UserTextSelect(forms.Select):
    """A <select> whose options are names people wrote (communities): each option takes its own
    direction, an Arabic name in an English page as an English one in an Arabic page."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["attrs"]["dir"] = "auto"
        return option
