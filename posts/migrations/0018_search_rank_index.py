"""Top-k search from the index: RUM indexes on the stored search documents (PostgreSQL with the
``rum`` extension only; docs/performance.md "Search at 1M: top-k from the index").

The GIN index of 0009/0017 finds the matches but cannot order them: ranking a common word meant
reading every matching row's stored document from the heap and computing ``ts_rank`` for each (a
word in 4 % of a million posts: 40,000 rows per search) before the LIMIT. A RUM index (the
``rum`` extension, ``rum_tsvector_ops``) keeps each word's positions and weights in the index, so
``ORDER BY search_document <=> query LIMIT k`` reads the matches best first from the index alone
and the heap is touched only for the rows the access rule then looks at. ``<=>`` is RUM's distance,
``1 / rank``; for a one-word query the rank is exactly ``ts_rank`` (weights A for the title, B for
the body: 1.0 and 0.4); ``feed/search.py`` reports ``1 / distance`` as the rank.

One RUM index per searched table, next to the GIN index (kept: it serves the filters and the
fallback). Built ``CONCURRENTLY`` (no write lock on a live table), hence non-atomic.

Where the extension is not available (not installed on the server, or the migrating role may not
create it) this migration creates nothing, and ``feed/search.py`` — which looks for these indexes
by name, once per process and after every ``migrate`` — keeps today's GIN match ranked with
``ts_rank``. On SQLite it does nothing (search there is the ``icontains`` fallback). Installing
the extension later: run ``migrate posts 0017`` then ``migrate`` again, or create the indexes by
hand with the statements below.

A later migration that drops and re-adds ``search_document`` (as 0017 did) drops these indexes with
the column; it must create them again, or search silently falls back to GIN ranking.
"""

from django.db import DatabaseError, migrations

# (table, RUM index)
INDEXES = [
    ("posts_post", "post_search_rum"),
    ("posts_comment", "comment_search_rum"),
    ("posts_wikipage", "wikipage_search_rum"),
]


def rum_available(connection) -> bool:
    """Whether the ``rum`` extension is created in this database, or can be (installed on the
    server and creatable by this role)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'rum'")
        if cursor.fetchone():
            return True
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if not cursor.fetchone():
            return False
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except DatabaseError:  # e.g. not a superuser, and rum is not a trusted extension
            return False
    return True


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or not rum_available(connection):
        return
    for table, index in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index}" ON "{table}" '
            "USING rum (search_document rum_tsvector_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, index in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index}"')
    # The extension stays: it may serve others, and is harmless unused.


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("posts", "0017_item_language")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
