"""HTML forms for communities and memberships. They only shape input; the rules
(ceiling, last owner, archived, who may act) live in ``communities.services``.
"""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from unisocial.classification import Level, Visibility

from .models import Community, Role

CEILING_HELP = _(
    "The highest classification this community is designed for. "
    "An open community may hold unclassified information only; "
    "a moderated community at most confidential; "
    "a restricted community any level, including strictly confidential."
)
VISIBILITY_HELP = _(
    "Open: listed to all staff, anyone may join at once. "
    "Moderated: listed to all staff, an owner approves each request to join. "
    "Restricted: invitation only, invisible to non-members."
)


class CommunityForm(forms.Form):
    """Create and edit a community (SPEC §2.1, guidelines §5.4). Edit drops ``slug``."""

    name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"dir": "auto"}))
    # A CharField: the service's rule (and its message, which repeats this help) decides.
    slug = forms.CharField(
        label=_("Web address"),
        max_length=80,
        help_text=_(
            "Lower-case letters, digits and hyphens, for example water-and-sanitation: "
            "the community's address is then /communities/water-and-sanitation/. "
            "Addresses are not secret: choose one that says nothing confidential."
        ),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}), required=False
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}),
        help_text=_("Why this community exists."),
    )
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}), required=False
    )
    intended_audience = forms.CharField(
        label=_("Intended audience"), widget=forms.Textarea(attrs={"dir": "auto", "rows": 2}), required=False
    )
    risk_assessment = forms.CharField(
        label=_("Risk assessment"),
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}),
        required=False,
        help_text=_("A short assessment of the risks of the information the community will hold."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, help_text=VISIBILITY_HELP
    )
    ceiling = forms.ChoiceField(
        label=_("Classification ceiling"), choices=Level.choices, help_text=CEILING_HELP
    )
    guidelines = forms.CharField(
        label=_("Community guidelines"), widget=forms.Textarea(attrs={"dir": "auto", "rows": 5}), required=False
    )
    premoderation = forms.BooleanField(
        label=_("Pre-moderation"),
        required=False,
        help_text=_("New posts by members wait for approval by an owner or moderator."),
    )
    auto_hide_threshold = forms.IntegerField(
        label=_("Auto-hide threshold"),
        min_value=1,
        max_value=1000,
        initial=3,
        help_text=_("An item is hidden until reviewed once this many people have reported it."),
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]

    @classmethod
    def initial_for(cls, community: Community) -> dict:
        return {name: getattr(community, name) for name in cls.base_fields if name != "slug"}


def add_service_errors(form, error: ValidationError):
    """Show a service's ``ValidationError`` on the form: on the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def start_of_day(date: datetime.date | None):
    """A membership ends on its end date: access stops at the start of that day (SPEC §2.1)."""
    if date is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    end_date = forms.DateField(
        label=_("Membership ends on"),
        required=False,
        # The browser's own date picker, which shows the date in the reader's locale: no format
        # hint beside it (it would contradict the picker); its value is always ISO.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional, for consultants, interns and secondees: access ends at the start of that day."),
    )

    def clean_end_date(self):
        date = self.cleaned_data.get("end_date")
        if date is not None and date <= timezone.localdate():
            raise ValidationError(_("The end date must be after today."))
        return date

    @property
    def expires_at(self):
        return start_of_day(self.cleaned_data.get("end_date"))


class MemberAddForm(MemberRoleForm):
    # static/js/people-picker.js turns the plain field into a picker over the directory.
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Type a name or a username: matching people are suggested as you type."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-people-picker": reverse_lazy("api-people"),
                "data-people-none": _("No one matches."),
            }
        ),
    )

    field_order = ["username", "role", "end_date"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(
                _("There is no active account with the username “%(username)s”."),
                params={"username": username},
            )
        self.user = user
        return username


class DirectoryFilterForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[("", pgettext_lazy("communities", "All"))] + list(Visibility.choices),
        required=False,
    )
