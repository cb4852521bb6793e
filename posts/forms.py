"""HTML forms for posts, comments and wiki pages. They only shape input; the
rules (level under the ceiling, who may change it, readers who are members,
archived communities) live in ``posts.services`` (SPEC §2.2–2.4).
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import capfirst, slugify
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from communities.services import lookup_users
from unisocial.classification import Level, levels_up_to

from .languages import default_language
from .services import RESERVED_WIKI_SLUGS

BODY_FORMATS = [
    ("markdown", _("Simple formatting (use the toolbar, or Markdown)")),
    ("html", _("HTML")),
]
# The same words as the service's refusal (posts.services.choose_level).
CHOOSE_LEVEL = _("Choose a classification level: this community holds information up to %(level)s.")


def language_choices():
    """The six languages, each named in itself (as the header's language switch names them)."""
    return [(code, capfirst(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES]


def split_names(text) -> list[str]:
    return [name.strip().lstrip("@") for name in (text or "").split(",") if name.strip()]


class ContentForm(forms.Form):
    """The post and wiki page form (SPEC §2.2–2.4).

    ``community`` decides the classification field: hidden and forced to
    unclassified when that is the ceiling; otherwise a required choice with no
    default when creating ("— choose a level —"), the current level when editing.
    """

    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    body = forms.CharField(
        label=_("Text"),
        required=False,
        # No dir="auto" here (unlike the other text fields): the rich-text editor that replaces it
        # carries it (static/js/src/main.js), and on this hidden textarea it made Playwright's
        # get_by_label pick the hidden field over the editor (tests/e2e/test_member_journey.py).
        widget=forms.Textarea(attrs={"rows": 14, "class": "editor__text", "data-editor": "body"}),
    )
    body_format = forms.ChoiceField(
        label=_("Text format"),
        choices=BODY_FORMATS,
        initial="markdown",
        widget=forms.RadioSelect,
    )
    # SPEC §7: the language the text is written in (its search configuration, its lang="…").
    # Not required: a form sent without it (an older page, a script) keeps the item's language,
    # or takes the author's for a new one.
    language = forms.ChoiceField(
        label=_("Language of this text"),
        required=False,
        help_text=_("Search finds the words of the text in their other forms in this language."),
    )
    classification = forms.ChoiceField(label=_("Classification"))
    readers = forms.CharField(
        label=_("Named readers"),
        required=False,
        help_text=_(
            "Strictly confidential only: usernames of the members of this community "
            "who may read it, separated by commas. The community's owners can always read it."
        ),
        widget=forms.TextInput(attrs={"data-audience": "readers", "autocomplete": "off"}),
    )
    attachment = forms.FileField(
        label=_("Attach a file"),
        required=False,
        help_text=_("Optional. PDF, images, text, CSV and office documents, up to 10 MB."),
    )
    reason = forms.CharField(
        label=_("Reason for the change of level"),
        required=False,
        max_length=100,
        help_text=_("Required when you lower the classification; kept in the history."),
    )

    def __init__(self, *args, community, item=None, manage_audience=True, author=None, **kwargs):
        self.community = community
        self.item = item
        # SPEC §2.3: an editor who is neither the author nor an owner neither sees nor
        # changes the readers and the level (a wiki page): the fields are not in the form.
        self.manage_audience = manage_audience or item is None
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices()
        # The item's language when editing; the author's (else the site's) for a new one.
        self.fields["language"].initial = item.language if item is not None and item.language else (
            default_language(author)
        )
        # SPEC §2.3: the editor needs no markup knowledge. Staff write in simple formatting (the
        # toolbar, or Markdown, which takes inline HTML too); the "HTML" choice is offered only to
        # the editor of an item already stored as HTML (made through the API), to keep it so.
        self.offers_html = item is not None and (item.body_format == "html" or not item.body_source)
        if not self.offers_html:
            self.fields["body_format"].widget = forms.HiddenInput()
        if item is not None and item.body_format == "markdown":
            # static/js/src/main.js: the rich-text editor starts from the stored rendering of the
            # Markdown (already sanitized); without JavaScript the Markdown stays as it is.
            self.fields["body"].widget.attrs["data-rich-initial"] = item.body
        field = self.fields["classification"]
        field.widget.attrs["data-audience"] = "classification"
        if community.ceiling == Level.UNCLASSIFIED:
            # Forced: whatever is posted, the level is unclassified (clean_classification).
            self.fields["classification"] = forms.CharField(
                required=False,
                initial=Level.UNCLASSIFIED.value,
                widget=forms.HiddenInput(attrs={"data-audience": "classification"}),
            )
            self.fields.pop("readers")
        else:
            levels = [(lv, Level(lv).label) for lv in levels_up_to(community.ceiling)]
            if item is None:
                field.choices = [("", _("— choose a level —")), *levels]
                field.error_messages["required"] = CHOOSE_LEVEL % {
                    "level": Level(community.ceiling).label
                }
            else:
                field.choices = levels
            if community.ceiling != Level.STRICTLY_CONFIDENTIAL:
                self.fields.pop("readers")
        if item is None:
            self.fields.pop("reason")
        if not self.manage_audience:
            for name in ("classification", "readers", "reason"):
                self.fields.pop(name, None)
        if "readers" in self.fields:
            # static/js/people-picker.js: named readers must be members (SPEC §2.3), so the
            # picker suggests this community's members only.
            self.fields["readers"].widget.attrs.update(
                {
                    "data-people-picker": reverse("api-people"),
                    "data-people-community": community.slug,
                    "data-people-multiple": "true",
                }
            )

    @property
    def forced_level(self) -> bool:
        return self.community.ceiling == Level.UNCLASSIFIED

    def clean_classification(self):
        if self.forced_level:
            return Level.UNCLASSIFIED.value
        return self.cleaned_data["classification"]

    def clean_readers(self):
        names = split_names(self.cleaned_data.get("readers"))
        if not names:
            return []
        try:
            return lookup_users(names)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("readers", error.messages)) from None

    def clean(self):
        data = super().clean()
        if not self.manage_audience:
            # The level stays the item's (shown by its marking; the audience line and the
            # preview use it); the service receives neither field.
            data["classification"] = self.item.classification
            return data
        if data.get("readers") and data.get("classification") != Level.STRICTLY_CONFIDENTIAL:
            self.add_error("readers", _("Readers are named only for strictly confidential items."))
        return data

    def service_fields(self) -> dict:
        """The cleaned data as keyword arguments of the create/update services."""
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "body": data.get("body", ""),
            "body_format": data["body_format"],
            "language": data.get("language") or "",
        }
        if self.manage_audience:
            fields["classification"] = data["classification"]
            fields["readers"] = data.get("readers") or []
        if data.get("attachment"):
            fields["attachment"] = data["attachment"]
        return fields


class PostForm(ContentForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Words or short phrases, separated by commas (at most 10)."),
    )

    field_order = [
        "title",
        "body_format",
        "body",
        "language",
        "classification",
        "readers",
        "tags",
        "attachment",
        "reason",
    ]

    def service_fields(self) -> dict:
        fields = super().service_fields()
        fields["tags"] = [
            t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()
        ]
        return fields


class WikiForm(ContentForm):
    slug = forms.SlugField(
        label=_("Page address"),
        required=False,
        max_length=80,
        help_text=_(
            "Optional: lower-case letters, digits and hyphens. Made from the title if left empty "
            "(a random one for a strictly confidential page). Addresses are not secret."
        ),
    )

    field_order = [
        "title",
        "slug",
        "body_format",
        "body",
        "language",
        "classification",
        "readers",
        "attachment",
        "reason",
    ]

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, item=item, **kwargs)
        if item is not None:
            self.fields.pop("slug")

    def clean(self):
        data = super().clean()
        if "slug" in self.fields and data.get("title"):
            slug = slugify(data.get("slug") or data["title"])
            if slug in RESERVED_WIKI_SLUGS:
                self.add_error("slug", _("This address is reserved; choose another."))
        return data

    def service_fields(self) -> dict:
        fields = super().service_fields()
        if "slug" in self.fields:
            fields["slug"] = self.cleaned_data.get("slug", "")
        return fields


class CommentForm(forms.Form):
    # The length limits are the service's (posts.services.comments): 10,000 characters of text,
    # more for the rich-text editor's HTML (body_format "html", set by static/js/src/main.js).
    body = forms.CharField(
        label=_("Your comment"),
        max_length=30000,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}),
    )
    body_format = forms.ChoiceField(
        choices=[("text", "text"), ("html", "HTML")], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, comment=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("body_format", comment.body_format if comment else "text")
        super().__init__(*args, **kwargs)
        if comment is not None and comment.body_format == "text":
            # The rich-text editor starts from the comment as shown (main.js).
            self.fields["body"].widget.attrs["data-rich-initial"] = comment.body
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
