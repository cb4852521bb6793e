"""Append-only tables (SPEC §3, §4): the records of the records refuse UPDATE and DELETE.

Two layers, both one line to apply:

* the model derives from ``AppendOnlyModel``: a second ``save()``, ``delete()`` and its
  queryset's ``update()``/``delete()``/``bulk_update()`` raise ``AppendOnlyError`` on every
  database (SQLite included), so a code path that would change a row fails in the tests;
* a migration holds ``AppendOnly("<model name>")``: on PostgreSQL a row-level trigger
  refuses every UPDATE and DELETE of the table whatever the client (ORM, raw SQL, psql,
  a cascade); elsewhere it does nothing.

TRUNCATE is left alone: it is not a row change a user can make, test databases are
flushed with it, and ``seed_demo --reset`` empties the demo database with it.

There is no way around the trigger short of ``ALTER TABLE … DISABLE TRIGGER`` or dropping
it, both of which need the table's owner (unlike django-pgtrigger's ``pgtrigger.ignore``,
which any session may set). A row of such a table never depends on a row that may be
destroyed: it keeps the id (``db_constraint=False``, ``DO_NOTHING``) or PROTECTs it.

``APPEND_ONLY_MODELS`` lists the models SPEC §4 names; tests/core/test_append_only.py
checks each has both layers, and on PostgreSQL that its table has the trigger.
"""
from django.db import models
from django.db.migrations.operations.base import Operation
from django.utils.translation import gettext_lazy as _

# SPEC §3 and §4, by model label.
APPEND_ONLY_MODELS = (
    "moderation.ModerationAction",  # the moderation log (its trigger: moderation 0002, hand-written)
    "records.RecordsAuditLog",
    "records.DispositionRecord",
    "records.Certificate",
    "records.DeclassificationReview",
    "posts.AccessLog",
    "communities.MembershipEvent",
)

FUNCTION = "unisocial_append_only"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a row of an append-only table."""


def _refuse(model):
    raise AppendOnlyError(_("%(name)s is append-only.") % {"name": model._meta.verbose_name_plural.capitalize()})


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(self.model)

    def delete(self):
        _refuse(self.model)

    # bulk_update goes through update(); _raw_delete is what Collector uses for fast deletes.
    def _raw_delete(self, using):
        _refuse(self.model)


class AppendOnlyModel(models.Model):
    """An abstract base: rows are inserted once, never saved again nor deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse(type(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse(type(self))


def trigger_name(table: str) -> str:
    return f"{table}_append_only"[:63]  # PostgreSQL's identifier limit


def create_sql(table: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS "{trigger_name(table)}" ON "{table}";
CREATE TRIGGER "{trigger_name(table)}"
    BEFORE UPDATE OR DELETE ON "{table}"
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""


def drop_sql(table: str) -> str:
    # The function is shared by every append-only table: it stays.
    return f'DROP TRIGGER IF EXISTS "{trigger_name(table)}" ON "{table}";'


class AppendOnly(Operation):
    """A migration operation: ``AppendOnly("accesslog")`` makes the model's table append-only
    on PostgreSQL (a BEFORE UPDATE OR DELETE row trigger) and does nothing on other databases.
    It changes no model state; reversing it drops the trigger."""

    reversible = True
    reduces_to_sql = True
    elidable = False

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__qualname__, [self.model_name], {}

    def state_forwards(self, app_label, state):
        pass

    def _run(self, app_label, schema_editor, state, sql_for):
        model = state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor == "postgresql" and self.allow_migrate_model(
            schema_editor.connection.alias, model
        ):
            # No params: the "%" are PL/pgSQL's.
            schema_editor.execute(sql_for(model._meta.db_table), params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, to_state, create_sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, from_state, drop_sql)

    def describe(self):
        return f"Make {self.model_name} append-only (a PostgreSQL trigger refuses UPDATE and DELETE)"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_append_only"
