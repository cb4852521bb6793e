"""The unread-notification count of the navigation, from the cache, exact.

The exact count (``selectors.exact_unread_count``) builds and compiles the access rule for
three target kinds on every page. Here it is kept in Django's cache (``CACHES``: Redis when
``REDIS_URL`` is set, so shared by every process), under versions that every change able to
alter it moves. A cached count is served only if it was computed after the last such change.

**What the count reads.** Its SQL names a fixed set of tables: the notifications, the three
item tables, their reader lists, the memberships and the communities (``watched_tables()``
takes them *from the compiled SQL of the count itself*, so a change of the rule that reads a
new table is watched at once). Besides tables it reads the reader's ``pk``, ``is_superuser``
and ``is_active`` (part of the cache key) and the clock: a membership is active until its
``expires_at`` (a cached count is not served past the reader's next membership expiry).

**Who moves the versions.** A database execute wrapper installed on every connection sees
every statement Django sends (ORM, ``QuerySet.update``, ``bulk_create``, cascades, raw
cursors). After any statement that writes one of the watched tables, it moves:

* the **access epoch**, global, for a write to any table of the rule (memberships, reader
  lists, communities, item rows: status, level, quarantine, restore, deletion…); an
  INSERT of a new *item* row is the one exception: a new row cannot change whether an
  existing notification's item is visible (an item's visibility depends on its own row, its
  parent's, its community, memberships and its reader lists — never on other items), and ids
  are never reused (PostgreSQL sequences, SQLite AUTOINCREMENT);
* for the notifications table: the **recipients' versions** when the write is made inside
  ``attributed(recipient_ids)`` (notifying, marking read: ``notifications.services``);
  a write to ``emailed_at`` alone changes no count and moves nothing; any other write to the
  notifications table (a deletion by records, a cascade) moves the access epoch.

An UPDATE that assigns only columns the count's SQL never names (``read_columns()``: a community's
``last_activity_at`` on each new post, an item's ``updated_at``) moves nothing; one the wrapper
cannot split into ``"column" = …`` assignments counts as one that assigns a read column.

Statements the wrapper cannot read as "INSERT/UPDATE/DELETE of table T" and that are not
plain reads (``TRUNCATE``, DDL, ``WITH … UPDATE``…) move the access epoch too.

**When.** The move is registered with ``transaction.on_commit``: at once in autocommit,
after COMMIT inside a transaction, never for a rolled-back one. A reader reads the versions
*before* computing the count and stores the count under the versions it read: a change
committed after that read moved the versions, so that entry is never served again; a change
committed before it is seen by the count's query (PostgreSQL READ COMMITTED: each statement
sees what was committed before it started). A connection with its own uncommitted change to
those tables (a move still pending) neither reads nor stores the cache: it counts exactly.

A version missing from the cache (evicted, or a cache restarted) is created afresh from the
clock in nanoseconds, a value no earlier entry carries; every entry also expires after
``MAX_AGE`` as a last bound should a move ever be lost (a cache down at commit).
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

EPOCH_KEY = "unread:epoch"
MAX_AGE = 600  # seconds; a bound, not the mechanism

_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
# A plain read may open with parentheses: ``(SELECT …) UNION (SELECT …)``, as the home page's
# communities query does. Taken for a write, it moved the access epoch on every home page, so that
# no count was ever served from the cache (seen with two real nodes: tests/services/test_two_nodes.py).
_READ = re.compile(r"^[\s(]*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|EXPLAIN|PRAGMA|VALUES)\b",
                   re.IGNORECASE)
_EMAILED_ONLY = re.compile(r'^\s*UPDATE\s+"?posts_notification"?\s+SET\s+"emailed_at"\s*=\s*%s\s+WHERE\b',
                           re.IGNORECASE)

_local = threading.local()


def _user_key(user_id) -> str:
    return f"unread:u:{user_id}"


def _count_key(user) -> str:
    return f"unread:c:{user.pk}:{int(bool(user.is_superuser))}:{int(bool(user.is_active))}"


# --- what the count reads ------------------------------------------------------------------


@lru_cache(maxsize=1)
def watched_tables() -> tuple[frozenset[str], frozenset[str], str]:
    """(tables the count's SQL reads, item tables, the notifications table), from the SQL."""
    from django.contrib.auth import get_user_model

    from unisocial import items

    from .models import Notification
    from .selectors import unread_rows

    User = get_user_model()
    names: set[str] = set()
    for superuser in (False, True):
        probe = User(pk=0, is_active=True, is_superuser=superuser)
        sql, _params = unread_rows(probe).query.sql_with_params()
        names |= set(re.findall(r'(?:FROM|JOIN)\s+"([A-Za-z0-9_]+)"', sql))
    item_tables = frozenset(items.item_type(t).model._meta.db_table for t in items.ITEMS)
    return frozenset(names), item_tables, Notification._meta.db_table


def _effect(sql: str) -> str | None:
    """What a statement moves: "epoch", "notification" (recipients' versions), or None."""
    m = _WRITE.match(sql)
    if not m:
        return None if _READ.match(sql) else "epoch"
    verb, table = m.group(1).split()[0].upper(), m.group(2)
    tables, item_tables, notification_table = watched_tables()
    if table == notification_table:
        if verb == "UPDATE" and _EMAILED_ONLY.match(sql):
            return None
        return "notification" if getattr(_local, "attributed", 0) else "epoch"
    if table not in tables:
        return None
    if verb == "INSERT" and table in item_tables:
        return None
    if verb == "UPDATE":
        assigned = _assigned_columns(sql)
        if assigned is not None and not (assigned & read_columns()):
            return None  # e.g. a community's last_activity_at, a post's updated_at: not read by the count
    return "epoch"


@lru_cache(maxsize=1)
def read_columns() -> frozenset[str]:
    """Every column name the count's SQL mentions, of any table (a superset of what it reads)."""
    from django.contrib.auth import get_user_model

    from .selectors import unread_rows

    names: set[str] = set()
    for superuser in (False, True):
        probe = get_user_model()(pk=0, is_active=True, is_superuser=superuser)
        sql, _params = unread_rows(probe).query.sql_with_params()
        names |= set(re.findall(r'\."([A-Za-z0-9_]+)"', sql))
        names |= set(re.findall(r'(?<![.\w])"([A-Za-z0-9_]+)"\s*(?:=|IN|IS|<|>)', sql))
    return frozenset(names)


def _assigned_columns(sql: str) -> frozenset[str] | None:
    """The columns an ``UPDATE "t" SET "a" = …, "b" = … WHERE …`` assigns; None when not sure."""
    m = re.match(r'^\s*UPDATE\s+"[A-Za-z0-9_]+"\s+SET\s+', sql, re.IGNORECASE)
    if not m:
        return None
    rest, depth, parts, start, i = sql[m.end():], 0, [], 0, 0
    while i < len(rest):
        c = rest[i]
        if c in "'`":
            return None  # a literal in the statement: not Django's shape, do not guess
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c == ",":
            parts.append(rest[start:i])
            start = i + 1
        elif depth == 0 and rest[i:i + 7].upper() == " WHERE ":
            break
        i += 1
    parts.append(rest[start:i])
    columns = set()
    for part in parts:
        a = re.match(r'^\s*"([A-Za-z0-9_]+)"\s*=', part)
        if not a:
            return None
        columns.add(a.group(1))
    return frozenset(columns) or None


# --- moving the versions -------------------------------------------------------------------


def _fresh() -> int:
    return time.time_ns()


def _incr(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # missing: a fresh value no earlier entry carries
        if not cache.add(key, _fresh(), timeout=None):
            cache.incr(key)


class _Move:
    """One pending move per (connection, savepoint stack): after commit, bump what it holds."""

    def __init__(self, sids):
        self.sids = sids
        self.epoch = False
        self.users: set[int] = set()

    def __call__(self):
        if self.epoch:
            _incr(EPOCH_KEY)
        for user_id in self.users:
            _incr(_user_key(user_id))


def _pending(conn) -> _Move | None:
    sids = tuple(conn.savepoint_ids)
    for entry in conn.run_on_commit:
        func = entry[1]
        if isinstance(func, _Move) and func.sids == sids:
            return func
    return None


def _schedule(conn, *, epoch=False, users=()):
    if not conn.in_atomic_block:
        move = _Move(())
        move.epoch, move.users = epoch, set(users)
        move()
        return
    move = _pending(conn)
    if move is None:
        move = _Move(tuple(conn.savepoint_ids))
        transaction.on_commit(move, using=conn.alias)
    move.epoch |= epoch
    move.users.update(users)


def has_pending_change(conn=None) -> bool:
    """This connection wrote a watched table in a transaction not yet committed."""
    conn = conn or connections["default"]
    return conn.in_atomic_block and any(isinstance(e[1], _Move) for e in conn.run_on_commit)


def bump_all(using="default") -> None:
    """Move the access epoch (a bulk load that bypassed the ORM, e.g. ``COPY``)."""
    _schedule(connections[using], epoch=True)


@contextmanager
def attributed(recipient_ids, using="default"):
    """Writes to notifications inside change the count of ``recipient_ids`` only."""
    _local.attributed = getattr(_local, "attributed", 0) + 1
    try:
        yield
    finally:
        _local.attributed -= 1
        # Also after a failed statement: what it may have written is counted as written.
        ids = {int(i) for i in recipient_ids if i is not None}
        if ids:
            _schedule(connections[using], users=ids)


def _wrapper(conn):
    def wrap(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        effect = _effect(sql)
        if effect == "epoch":
            _schedule(conn, epoch=True)
        # "notification": ``attributed`` schedules the recipients when the block ends.
        return result

    wrap.unread_wrapper = True
    return wrap


def install(connection, **kwargs):
    if not any(getattr(w, "unread_wrapper", False) for w in connection.execute_wrappers):
        connection.execute_wrappers.insert(0, _wrapper(connection))


def install_everywhere():
    connection_created.connect(install, dispatch_uid="notifications.unread.install")
    for conn in connections.all():
        install(conn)


# --- reading -------------------------------------------------------------------------------


def _versions(got: dict, keys) -> list[int]:
    out = []
    for key in keys:
        value = got.get(key)
        if value is None:
            cache.add(key, _fresh(), timeout=None)
            value = cache.get(key)
        out.append(value)
    return out


def unread_count(user) -> int:
    """The exact unread count of ``user``, from the cache when nothing changed since."""
    from .selectors import exact_unread_count, next_membership_expiry

    if not (user and user.is_authenticated):
        return 0
    if not getattr(settings, "UNREAD_COUNT_CACHE", False):  # no cache every process shares
        return exact_unread_count(user)
    conn = connections["default"]
    if has_pending_change(conn):
        return exact_unread_count(user)
    keys = (EPOCH_KEY, _user_key(user.pk), _count_key(user))
    got = cache.get_many(keys)
    entry = got.get(keys[2])
    now = timezone.now()
    if entry is not None and entry[0] == got.get(keys[0]) and entry[1] == got.get(keys[1]) \
            and (entry[2] is None or now < entry[2]):
        return entry[3]
    epoch, version = _versions(got, keys[:2])
    count = exact_unread_count(user)
    valid_until = next_membership_expiry(user, now)
    timeout = MAX_AGE
    if valid_until is not None:
        timeout = max(1, min(MAX_AGE, int((valid_until - now).total_seconds())))
    cache.set(keys[2], (epoch, version, valid_until, count), timeout=timeout)
    return count
