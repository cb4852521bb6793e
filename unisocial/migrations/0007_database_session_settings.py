"""PostgreSQL session settings on the database, not as connection startup options.

``jit = off`` was a ``-c jit=off`` startup option (``OPTIONS["options"]``), which PgBouncer in
transaction mode refuses (or drops); ``max_parallel_workers_per_gather = 0`` is new (the speed work:
the comment search scanned the whole comments table in parallel, 48–94 ms, instead of its text
index, 3–24 ms). ``ALTER DATABASE <this database> SET`` makes them the default of every NEW
session on it, whichever pooler or client opens it; sessions already open keep their values.

Why each (docs/performance.md, "JIT off" and "Database session settings"): the access rule's cost
estimates pass ``jit_above_cost`` on queries that run in milliseconds, and compiling them cost
seconds; parallel plans chosen for the rule's subqueries were slower than the index on this
kind of short OLTP query.

``ALTER DATABASE`` needs the database's owner (or a superuser). A deploy whose migrating role is
neither gets a warning here and sets them by the documented deploy step instead
(docs/performance.md, "Deploy step: ALTER ROLE"), which also covers a role that connects to several
databases. A no-op on SQLite; reversible (``RESET``).
"""

import warnings

from django.db import migrations

SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}


def _alter(schema_editor, statement_for):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from django.db import transaction
    from django.db.utils import ProgrammingError

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = connection.ops.quote_name(cursor.fetchone()[0])
        for name, value in SETTINGS.items():
            try:
                with transaction.atomic(using=connection.alias):  # a savepoint: a refusal is not fatal
                    cursor.execute(statement_for(database, name, value))
            except ProgrammingError as error:  # insufficient privilege: not the database's owner
                warnings.warn(
                    f"Could not set {name} on the database ({error}); set it by "
                    "ALTER ROLE … SET as docs/performance.md says (Deploy step).",
                    RuntimeWarning,
                    stacklevel=1,
                )


def set_session_defaults(apps, schema_editor):
    _alter(schema_editor, lambda db, name, value: f"ALTER DATABASE {db} SET {name} = {value}")


def reset_session_defaults(apps, schema_editor):
    _alter(schema_editor, lambda db, name, _value: f"ALTER DATABASE {db} RESET {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("unisocial", "0006_api_tokens"),
    ]

    operations = [
        migrations.RunPython(set_session_defaults, reset_session_defaults, elidable=False),
    ]
