"""PostgreSQL's session settings come from the database, not from connection startup options
(PgBouncer in transaction mode refuses or drops ``-c jit=off``). Migration unisocial
0007 sets ``jit = off`` and ``max_parallel_workers_per_gather = 0`` by ``ALTER DATABASE``; the
test database is migrated like any other, so a NEW connection to it, opened with no startup
options at all, starts with both. A no-op on SQLite."""

import importlib
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test.utils import CaptureQueriesContext

migration = importlib.import_module("unisocial.migrations.0007_database_session_settings")


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://…")


def _fresh_settings():
    """SHOW on a new connection, opened as Django opens one (``get_connection_params``: the
    settings' own parameters, which hold no startup option)."""
    params = connection.get_connection_params()
    assert "options" not in params
    fresh = connection.get_new_connection(params)
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
            cursor.execute("SHOW max_parallel_workers_per_gather")
            workers = cursor.fetchone()[0]
    finally:
        fresh.close()
    return jit, workers


def test_the_settings_pass_no_startup_options():
    assert "options" not in settings.DATABASES["default"].get("OPTIONS", {})


@pytest.mark.django_db
def test_a_new_connection_starts_with_jit_and_parallel_workers_off():
    _postgresql_only()
    assert _fresh_settings() == ("off", "0")


def _database_defaults():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unnest(setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
            " WHERE d.datname = current_database() AND s.setrole = 0"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_the_migration_is_reversible():
    # Inside the test's transaction (rolled back after it): the catalogue shows the change at
    # once; a new connection would see it only once committed, as after a real migrate.
    _postgresql_only()
    ours = {"jit=off", "max_parallel_workers_per_gather=0"}
    assert ours <= _database_defaults()
    with connection.schema_editor() as editor:
        migration.reset_session_defaults(None, editor)
    assert not {s for s in _database_defaults() if s.split("=")[0] in migration.SETTINGS}
    with connection.schema_editor() as editor:
        migration.set_session_defaults(None, editor)
    assert ours <= _database_defaults()


def test_the_migration_is_a_no_op_on_sqlite(django_db_blocker):
    """Whatever database the suite runs on: the functions are handed a SQLite connection of their
    own (in memory) and must send it nothing."""
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    try:
        editor = SimpleNamespace(connection=sqlite)  # what RunPython's functions read of it
        with django_db_blocker.unblock(), CaptureQueriesContext(sqlite) as sent:
            migration.set_session_defaults(None, editor)
            migration.reset_session_defaults(None, editor)
        assert sqlite.vendor == "sqlite"
        assert sent.captured_queries == []
    finally:
        sqlite.close()
