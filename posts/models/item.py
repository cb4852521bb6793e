"""What a post and a wiki page both are: an item of a community, written by an author, at a level
(SPEC §2.2–2.3). ``Item`` declares their shared fields once; each model keeps its own table,
constraints, indexes, ordering, readers and history."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.access import AccessQuerySet, item_audience
from unisocial.classification import Level, Status

from ..languages import default_language
from ..languages import segmented as segmented_text

BODY_FORMATS = [("html", "HTML"), ("markdown", "Markdown")]


class Item(models.Model):
    # "%(class)ss": a community's and an author's posts are ``.posts``; a model whose plural is
    # not its name plus "s" declares both fields again with its own related_name.
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="%(class)ss"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="%(class)ss")
    title = models.CharField(_("title"), max_length=200)
    # ``body`` is the sanitized HTML rendered to readers; ``body_source`` what the author typed.
    body = models.TextField(_("body"), blank=True)
    body_source = models.TextField(_("source"), blank=True)
    body_format = models.CharField(max_length=8, choices=BODY_FORMATS, default="html")
    classification = models.CharField(_("classification"), max_length=24, choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Any save touches it; a model whose edits set it themselves declares it again without auto_now.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when moderation escalates the item to management (SPEC §3): system
    # managers may then see it, and every such view is logged.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    # SPEC §7: the language it is written in (its author's unless chosen), which decides how its
    # search document is parsed (posts/languages.py); blank only until the first save fills it.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Derived at save time (posts/languages.py): the jieba-segmented title and body when they hold
    # Chinese, read by the generated search document; "" otherwise. Not part of the history.
    segmented = models.TextField(blank=True, default="", editable=False)

    objects = AccessQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        prepare_search_text(self, kwargs, title=True)
        super().save(*args, **kwargs)

    def audience(self):
        """The active users who may see it now (the access rule read backwards): how
        notifications, which know items only by type and id, ask who may be told."""
        return item_audience(self)


def prepare_search_text(item, save_kwargs, *, title):
    """Before a save: the default language, and the segmented text the search document reads."""
    update_fields = save_kwargs.get("update_fields")
    extra = []
    if not item.language:
        item.language = default_language(item.author if item.author_id else None)
        extra.append("language")
    text_fields = {"title", "body"} if title else {"body"}
    if update_fields is None or text_fields & set(update_fields):
        item.segmented = segmented_text(item.title if title else "", item.body)
        extra.append("segmented")
    if update_fields is not None and extra:
        save_kwargs["update_fields"] = list({*update_fields, *extra})
