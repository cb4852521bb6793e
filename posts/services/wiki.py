"""Writes on wiki pages: create, edit, revert (SPEC §2.3)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unisocial.classification import Level

from ..languages import default_language
from ..models import WikiPage
from .access_log import visible_history
from .addresses import _wiki_address
from .attachments import _attach
from .rules import (
    _body,
    _mentions,
    _record_readers,
    _set_readers,
    _touch,
    apply_edit,
    check_audience_change,
    choose_level,
    manages_audience,
    mentions_warned_before,
    require_can_edit_page,
    require_can_write,
    validate_readers,
)


@transaction.atomic
def wiki_create(*, actor, community, title, slug="", body="", body_format="html",
                classification=None, readers=(), attachment=None, language="") -> tuple[WikiPage, list[str]]:
    require_can_write(actor, community)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the page a title.")})
    level = choose_level(community, classification)
    slug = _wiki_address(community, title, slug, level)
    readers = validate_readers(community, level, readers)
    now = timezone.now()
    page = WikiPage(
        community=community, slug=slug, title=title[:200], body_source=body or "", body_format=body_format,
        body=_body(body, body_format), classification=level, author=actor, last_edited_by=actor,
        language=language or default_language(actor),  # SPEC §7: the author's unless chosen
        created_at=now, updated_at=now,
    )
    page.full_clean()
    page._history_user = actor
    _record_readers(page, readers)
    page.save()
    _set_readers(page, readers, "posts.read_wikipage")
    _touch(community)
    _attach(actor, page, attachment, new_item=True)
    return page, _mentions(actor, page, body)


@transaction.atomic
def wiki_update(*, actor, page, reason="", attachment=None, **changes) -> tuple[WikiPage, list[str]]:
    """Any member who can see the page edits its title and text; only its author and the
    community's owners change its level or its named readers (SPEC §2.3): anyone else who
    sends ``readers``, or a ``classification`` other than the current one, is refused
    (PermissionDenied, nothing changed) rather than silently ignored. An optional new file
    is attached in the same transaction."""
    page, warnings = _wiki_update(actor=actor, page=page, reason=reason, changes=changes)
    _attach(actor, page, attachment)
    return page, warnings


def _wiki_update(*, actor, page, reason, changes, note=None):
    page = WikiPage.objects.select_for_update().select_related("community").get(pk=page.pk)
    require_can_edit_page(actor, page)
    if not changes.get("classification", True):  # an empty level on a wiki edit keeps the page's
        changes = {k: v for k, v in changes.items() if k != "classification"}
    check_audience_change(actor, page, changes)
    warned_before = mentions_warned_before(actor, page) if "body" in changes else []
    previous_source, readers = apply_edit(
        actor, page, changes, reason, fields=("title", "body", "body_format", "classification", "readers", "language"),
        untitled=_("Give the page a title."),
    )
    page.last_edited_by = actor
    page.updated_at = timezone.now()
    page._change_reason = (note or (reason or "").strip())[:100] or None
    page._history_user = actor
    page.full_clean()
    page.save()
    _set_readers(page, readers, "posts.read_wikipage")
    _touch(page.community)
    if "body" not in changes:
        return page, []
    return page, _mentions(actor, page, changes["body"], previous_source, warned_before)


def revision_readers(revision, community) -> list:
    """The named readers ``revision`` was recorded with who are still active members of the
    community (a former member cannot be a reader, SPEC §2.3). A revision recorded before
    readers were recorded (``None``) has the page's readers at the time of the migration
    only on its newest revision; older ones count as having none (the narrowest audience)."""
    if revision.classification != Level.STRICTLY_CONFIDENTIAL or not revision.recorded_readers:
        return []
    from django.contrib.auth import get_user_model

    members = community.memberships.active().filter(user_id__in=revision.recorded_readers)
    return list(get_user_model().objects.filter(pk__in=members.values("user_id"), is_active=True))


def require_can_restore(actor, page, old) -> None:
    """May ``actor`` restore revision ``old`` of ``page`` as far as its audience goes: a revision
    that is strictly confidential, or at another level than the page now, sets the level and the
    named readers, which only the author and the owners may (SPEC §2.3). The revert's confirmation
    page asks it too, so the refusal comes before the form."""
    changes_audience = (
        old.classification == Level.STRICTLY_CONFIDENTIAL or old.classification != page.classification
    )
    if changes_audience and not manages_audience(actor, page):
        raise PermissionDenied(
            _("This revision would change the page's level or named readers: only its "
              "author and the community's owners may restore it.")
        )


@transaction.atomic
def wiki_revert(*, actor, page, version: int, reason="") -> WikiPage:
    """Revert to revision ``version`` (a history_id): itself a new revision (SPEC §2.3).

    The revert restores the revision's title and body **with the level and named readers it
    was recorded with**, so content never reappears at a lower level, nor to other readers,
    than it was written for. Decisions, from the rules of §2.3:

    * only revisions the actor may see (``visible_history``): a revision above the current
      level is shown only to the author and the owners, so only they can raise a page back
      by a revert (both are among those allowed to raise);
    * restoring a lower level is a lowering: the author or the owners, with a ``reason``
      (recorded in the history and, where it applies, as a declassification);
    * a revert that restores a strictly confidential revision sets the named readers, so it is
      for the author and the owners only — refused to a named reader even when the lists
      happen to agree, because answering differently would tell them about the readers list;
    * anyone else who may edit the page may revert it to a revision at its current level
      that is not strictly confidential (no readers then or now).
    """
    try:
        # Only a revision the actor may see (SPEC §2.3): never copy back content
        # recorded above what they are allowed to read.
        old = visible_history(actor, page).get(history_id=version)
    except (page.history.model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"version": _("There is no such revision of this page.")}) from None
    level = old.classification
    changes = {"title": old.title, "body": old.body_source, "body_format": old.body_format}
    if level == Level.STRICTLY_CONFIDENTIAL or level != page.classification:
        require_can_restore(actor, page, old)
        changes["classification"] = level
        changes["readers"] = revision_readers(old, page.community)
    note = _("Reverted to revision %(v)s") % {"v": version}
    if (reason or "").strip():
        note = f"{note}: {reason.strip()}"
    page, _warnings = _wiki_update(actor=actor, page=page, reason=reason, changes=changes, note=note)
    return page
