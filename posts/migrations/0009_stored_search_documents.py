"""Stored search documents (PostgreSQL only; docs/performance.md "Search").

0008 indexed an expression: the index found the matches, but ranking them
recomputed ``to_tsvector`` of every matching body (a common word: tens of
thousands of parses per search). Here each searched table gets the same
document as a stored generated column, ``search_document``, kept up to date by
PostgreSQL itself on every insert and update (no trigger, no code path can
forget it), with a GIN index on the column; the expression indexes of 0008 go.

    setweight(to_tsvector(cfg, COALESCE(title, '')), 'A')
      || setweight(to_tsvector(cfg, COALESCE(regexp_replace(body, '<[^>]*>', ' ', 'g'), '')), 'B')

(comments: the body part only; ``cfg`` is ``settings.SEARCH_CONFIG``.)

The models do not declare the column (it exists on PostgreSQL only; SQLite,
for development and tests, keeps the ``icontains`` fallback): ``feed/search.py``
reads it by name. Adding a stored column rewrites the table under an exclusive
lock: about a minute per million posts here; plan the deployment accordingly.
"""
from django.conf import settings
from django.db import migrations

CONFIG = settings.SEARCH_CONFIG
BODY = f"setweight(to_tsvector('{CONFIG}'::regconfig, COALESCE(regexp_replace(body, '<[^>]*>', ' ', 'g'), '')), 'B')"
TITLED = f"(setweight(to_tsvector('{CONFIG}'::regconfig, COALESCE(title, '')), 'A') || {BODY})"

# (table, document, new index, 0008's expression index)
TABLES = [
    ("posts_post", TITLED, "post_search_vector", "post_search_document"),
    ("posts_comment", BODY, "comment_search_vector", "comment_search_document"),
    ("posts_wikipage", TITLED, "wikipage_search_vector", "wikipage_search_document"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, document, index, old_index in TABLES:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS search_document tsvector '
            f"GENERATED ALWAYS AS ({document}) STORED"
        )
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin (search_document)')
        schema_editor.execute(f'DROP INDEX IF EXISTS "{old_index}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from importlib import import_module

    previous = import_module("posts.migrations.0008_feed_and_search_indexes")
    for table, _document, index, _old in TABLES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS search_document')
    for name, table, expression in previous.INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}))')


class Migration(migrations.Migration):
    dependencies = [("posts", "0008_feed_and_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
