"""What posts tells the apps built on it (records, moderation): they connect receivers in
their ``AppConfig.ready()``; posts imports none of them.

Both signals are sent synchronously, inside the transaction of the write: whatever a
receiver writes commits or rolls back with it, and an exception a receiver raises
propagates to the caller of the service (``Signal.send``, not ``send_robust``).
"""
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal


class WriteFrozen(PermissionDenied):
    """A refusal for the item's state rather than the person's right (a records hold): the
    pages show the item's own notice (before anyone types) instead of an error page."""


item_write_requested = Signal()
"""Sent before a post, comment or wiki page is edited, withdrawn, reclassified, given a file or
commented on (the post), and before moderation hides or rejects one (``moderation.services``,
which also asks, through ``posts.services.item_write_refusal``, before a report hides one).
Not sent when an item is created: a new item in a held community is allowed, held from birth.

Arguments: ``sender`` (the item's model) and ``item`` (the post, comment or wiki page, as the
service loaded it; a community where a write concerns one).

A receiver may refuse the write by raising: ``PermissionDenied`` (a 403, its message shown to
the person), ``WriteFrozen`` for a state of the item (the same 403 at a write; a page about to
show a form shows its notice instead) or ``ValidationError``. Nothing has been changed yet when the signal is sent, and
the service's transaction rolls back. Records refuses this way for an item under a records
hold (``records.holds``, SPEC §4).
"""

item_level_lowered = Signal()
"""Sent when a post's or wiki page's level is lowered (``posts.services.item_change_level``).

Arguments: ``sender`` (the item's model), ``item`` (the locked row, **still at its previous
level**: the signal is sent before the new level is set and saved), ``previous_level``,
``level`` (the new one), ``actor``, ``reason`` (as given, possibly empty) and ``via``: which
path lowered it — ``"edit"`` (the §2.3 edit forms and API), ``"reclassify"`` (the level alone)
or ``"declassification"`` (records' own review, which records the decision itself).

Records connects a receiver that records a lowering of an item listed for declassification
review as a declassification (SPEC §4).
"""
