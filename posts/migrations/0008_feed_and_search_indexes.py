"""Indexes for the feed and search at scale (docs/performance.md).

``post_newest`` (created_at DESC, id DESC), everywhere: the feed's order, so
the first page reads ~20 index entries instead of sorting every candidate, and
a cursor page starts at the cursor (page 51 costs what page 1 costs).

Full-text search indexes, PostgreSQL only (``feed/search.py``):

One GIN expression index per searched kind, on exactly the document
``feed.search._ranked`` builds, so that the planner matches ``document @@
websearch_to_tsquery(...)`` to the index:

    setweight(to_tsvector(cfg, COALESCE(title, '')), 'A')
      || setweight(to_tsvector(cfg, COALESCE(regexp_replace(body, '<[^>]*>', ' ', 'g'), '')), 'B')

(comments: the body part only). ``cfg`` is ``settings.SEARCH_CONFIG``
(``english``). Change that expression in ``search.py`` and a new migration must
rebuild these indexes, or search falls back to scanning every row (still
correct, only slow).

Built ``CONCURRENTLY`` (no write lock on a live table), hence non-atomic.
On SQLite (development, tests) this migration does nothing: search there is
the ``icontains`` fallback.
"""
from django.conf import settings
from django.db import migrations, models

CONFIG = settings.SEARCH_CONFIG


def _document(table, title=True):
    body = (
        f"setweight(to_tsvector('{CONFIG}'::regconfig, "
        f"COALESCE(regexp_replace(\"{table}\".\"body\", '<[^>]*>', ' ', 'g'), '')), 'B')"
    )
    if not title:
        return body
    return (
        f"(setweight(to_tsvector('{CONFIG}'::regconfig, COALESCE(\"{table}\".\"title\", '')), 'A') || {body})"
    )


INDEXES = [
    ("post_search_document", "posts_post", _document("posts_post")),
    ("comment_search_document", "posts_comment", _document("posts_comment", title=False)),
    ("wikipage_search_document", "posts_wikipage", _document("posts_wikipage")),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}))'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("posts", "0007_escalation")]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["-created_at", "-id"], name="post_newest"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
