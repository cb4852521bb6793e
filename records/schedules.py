"""Retention schedules (SPEC §4): records officers create and edit them in the browser
(``records.views.schedules``) and the API (``records.api.disposition``), system managers in
/admin/ (``records.admin``); all three call these services.

* ``schedule_create`` / ``schedule_update`` — validate (one schedule per type and level, one
  "any level" schedule per type, ``retain_days`` ≥ 1, ``restore_days`` default 30), write, and
  log the change in the records audit log with what changed; the schedule's own history
  (django-simple-history) records who, when and the full row;
* ``schedule_delete`` — only in /admin/, and only of a schedule no batch was gathered under;
* ``schedule_history`` — that history as a list of changes (who, when, field, old, new);
* ``gather_now`` — a records officer's "Gather now": ``disposition.gather_due`` at once, logged.

Refusals are ``ValidationError`` keyed by field (forms show them on the field, the API answers
400) or ``PermissionDenied`` (403); the database constraints stay the last word, and a race that
reaches them is answered as the same field error, never a 500.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unisocial.classification import Level

from .audit import audit, require_records_officer
from .models import ContentType, Disposition, RetentionSchedule

# The fields a records officer sets, in the order forms and the history show them.
FIELDS = ("name", "content_type", "classification", "retain_days", "disposition", "authority", "justification",
          "restore_days")
MAX_RETAIN_DAYS = 365 * 200
MAX_RESTORE_DAYS = 3650
DEFAULT_RESTORE_DAYS = 30


def _int_field(value, field, *, low, high, errors):
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        errors[field] = _("Give a whole number of days.")
    elif not low <= number <= high:
        errors[field] = _("Give a number of days from %(low)d to %(high)d.") % {"low": low, "high": high}
    return number


def schedule_check(data: dict, *, instance=None) -> dict:
    """The schedule's fields from ``data`` (the instance's where ``data`` omits one), checked."""
    current = {f: getattr(instance, f) for f in FIELDS} if instance else {
        "classification": None, "authority": "", "justification": "", "restore_days": DEFAULT_RESTORE_DAYS,
    }
    merged = {**current, **{k: v for k, v in data.items() if k in FIELDS}}
    errors, clean = {}, {}
    name = str(merged.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the schedule a name.")
    elif len(name) > 120:
        errors["name"] = _("Keep the name under 120 characters.")
    clean["name"] = name
    clean["content_type"] = merged.get("content_type")
    if clean["content_type"] not in ContentType.values:
        errors["content_type"] = _("Choose post, wiki page or community.")
    level = merged.get("classification") or None
    if level is not None and level not in Level.values:
        errors["classification"] = _("Choose a classification level, or any level.")
    clean["classification"] = level
    clean["retain_days"] = _int_field(merged.get("retain_days"), "retain_days", low=1, high=MAX_RETAIN_DAYS,
                                      errors=errors)
    clean["disposition"] = merged.get("disposition")
    if clean["disposition"] not in Disposition.values:
        errors["disposition"] = _("Choose transfer or destroy.")
    clean["authority"] = str(merged.get("authority") or "").strip()
    if len(clean["authority"]) > 200:
        errors["authority"] = _("Keep the authority under 200 characters.")
    clean["justification"] = str(merged.get("justification") or "").strip()
    if len(clean["justification"]) > 4000:
        errors["justification"] = _("Keep the justification under 4,000 characters.")
    clean["restore_days"] = _int_field(merged.get("restore_days"), "restore_days", low=1, high=MAX_RESTORE_DAYS,
                                       errors=errors)
    others = RetentionSchedule.objects.exclude(pk=instance.pk) if instance else RetentionSchedule.objects.all()
    if "name" not in errors and others.filter(name=name).exists():
        errors["name"] = _("Another schedule already has this name.")
    if "content_type" not in errors and "classification" not in errors:
        clash = others.filter(content_type=clean["content_type"], classification=level).first()
        if clash is not None:
            errors["classification"] = _clash_message(clash)
    if errors:
        raise ValidationError(errors)
    return clean


def _clash_message(clash) -> str:
    if clash.classification is None:
        return _("The schedule “%(name)s” already covers any level of this content type.") % {"name": clash.name}
    return _("The schedule “%(name)s” already covers this content type at this level.") % {"name": clash.name}


def _save(schedule, *, actor):
    """Write ``schedule``; a concurrent writer that took the same key first is a field error."""
    schedule._history_user = actor  # the API's token logins are not the middleware's request user
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:
        # The database's unique keys: another officer saved the same (type, level) or name meanwhile.
        schedule_check({f: getattr(schedule, f) for f in FIELDS}, instance=schedule if schedule.pk else None)
        raise ValidationError(
            {"classification": _("A schedule already covers this content type and level.")}
        ) from None
    return schedule


def require_schedule_manager(actor) -> None:
    """Records officers (in /records/ and the API) and system managers (in /admin/, SPEC §4)."""
    if actor and actor.is_authenticated and actor.is_active and actor.is_superuser:
        return
    require_records_officer(actor)


@transaction.atomic
def schedule_create(*, actor, **data) -> RetentionSchedule:
    require_schedule_manager(actor)
    clean = schedule_check(data)
    schedule = _save(RetentionSchedule(**clean, created_by=actor), actor=actor)
    audit("schedule_created", actor=actor, target_type="schedule", target_id=schedule.pk,
          **{f: clean[f] for f in FIELDS if f != "justification"})
    return schedule


@transaction.atomic
def schedule_update(*, actor, schedule, **data) -> RetentionSchedule:
    """Change what ``data`` names. Later batches follow the new rule; gathered ones keep what they froze."""
    require_schedule_manager(actor)
    schedule = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
    clean = schedule_check(data, instance=schedule)
    changes = {f: [getattr(schedule, f), clean[f]] for f in FIELDS if getattr(schedule, f) != clean[f]}
    if not changes:
        return schedule
    for field, (_old, new) in changes.items():
        setattr(schedule, field, new)
    _save(schedule, actor=actor)
    audit("schedule_changed", actor=actor, target_type="schedule", target_id=schedule.pk, changes=changes)
    return schedule


@transaction.atomic
def schedule_delete(*, actor, schedule) -> None:
    """Only a schedule no batch was gathered under (certificates name theirs): /admin/ offers it."""
    require_schedule_manager(actor)
    schedule = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.batches.exists():
        raise PermissionDenied(_("Batches were gathered under this schedule: it stays, as their certificates name it."))
    pk, row = schedule.pk, {f: getattr(schedule, f) for f in FIELDS if f != "justification"}
    schedule._history_user = actor
    schedule.delete()
    audit("schedule_deleted", actor=actor, target_type="schedule", target_id=pk, **row)


def _shown(field, value):
    if value is None or value == "":
        return _("any level") if field == "classification" else ""
    if field == "classification":
        try:
            return str(Level(value).label)
        except ValueError:
            return str(value)
    if field == "content_type":
        return str(ContentType(value).label) if value in ContentType.values else str(value)
    if field == "disposition":
        return str(Disposition(value).label) if value in Disposition.values else str(value)
    return str(value)


def schedule_history(schedule) -> list[dict]:
    """Every version of ``schedule``, newest first: who, when, and each field's old and new value.

    ``changes`` holds stored values (``old``/``new``) and their labels (``old_text``/``new_text``).
    """
    records = list(schedule.history.select_related("history_user").order_by("-history_date", "-history_id"))
    out = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        if previous is None:
            changes = [{"field": f, "old": None, "new": getattr(record, f)} for f in FIELDS]
        else:
            changes = [{"field": f, "old": getattr(previous, f), "new": getattr(record, f)}
                       for f in FIELDS if getattr(previous, f) != getattr(record, f)]
        for change in changes:
            change["label"] = str(RetentionSchedule._meta.get_field(change["field"]).verbose_name)
            change["old_text"] = "" if previous is None else _shown(change["field"], change["old"])
            change["new_text"] = _shown(change["field"], change["new"])
        out.append({
            "history_id": record.history_id,
            "at": record.history_date,
            "user": record.history_user.username if record.history_user else None,
            "type": {"+": "created", "~": "changed", "-": "deleted"}.get(record.history_type, record.history_type),
            "changes": changes,
        })
    return out


def gather_now(*, actor, now=None) -> dict:
    """A records officer's "Gather now" (SPEC §4): gather due items into batches at once.

    The same job as the daily beat (``disposition.gather_due``), outside its once-a-day window;
    concurrent clicks are serialised on the schedules' rows so two gatherings never race.
    The result and who asked go to the records audit log.
    """
    from . import disposition

    require_records_officer(actor)
    now = now or timezone.now()
    with transaction.atomic():
        list(RetentionSchedule.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        result = disposition.gather_due(now=now) or {}
        audit("gathered_now", actor=actor, target_type="batch", as_of=now.isoformat(),
              batches=result.get("batches", 0), items=result.get("items", 0))
    return result
