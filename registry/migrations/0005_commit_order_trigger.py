"""Stamp every ledger row with its transaction's place in commit order (PostgreSQL).

A sequence number drawn during a transaction follows start order, not commit
order: a reader paging by id could pass a row whose transaction commits later,
and skip it forever. So each transaction takes its number *at commit*: a
deferred constraint trigger increments a one-row counter and stamps the
transaction's ledger rows. The counter's row lock is held from that moment to
the commit, so numbers are handed out in commit order, and a reader that sees
number n+1 can already see every row of number n.

SQLite runs one writing transaction at a time, so there the ledger's id order is
already the commit order and ``commit_seq`` stays empty.
"""

from django.db import migrations

PG_FORWARD = [
    # The top-level transaction of each ledger row (xmin would name the savepoint's
    # subtransaction, and Django writes inside savepoints).
    """ALTER TABLE registry_changerecord
           ADD COLUMN xact_id xid8 DEFAULT pg_current_xact_id()""",
    """CREATE INDEX registry_changerecord_unstamped_xact
           ON registry_changerecord (xact_id) WHERE commit_seq IS NULL""",
    """CREATE TABLE registry_commitcounter (
           id integer PRIMARY KEY CHECK (id = 1),
           value bigint NOT NULL
       )""",
    "INSERT INTO registry_commitcounter (id, value) VALUES (1, 0)",
    # True for the first ledger row a transaction writes, false for the others: the
    # trigger's WHEN clause, evaluated as each row is written, so that one deferred
    # event per transaction is queued instead of one per row.
    """CREATE FUNCTION registry_first_ledger_row_of_xact() RETURNS boolean
       LANGUAGE plpgsql VOLATILE AS $$
       BEGIN
           IF current_setting('registry.ledger_xact', true) = pg_current_xact_id()::text THEN
               RETURN false;
           END IF;
           PERFORM set_config('registry.ledger_xact', pg_current_xact_id()::text, true);
           RETURN true;
       END $$""",
    """CREATE FUNCTION registry_stamp_commit_seq() RETURNS trigger
       LANGUAGE plpgsql AS $$
       DECLARE
           seq bigint;
       BEGIN
           UPDATE registry_commitcounter SET value = value + 1 WHERE id = 1 RETURNING value INTO seq;
           UPDATE registry_changerecord SET commit_seq = seq
            WHERE commit_seq IS NULL AND xact_id = pg_current_xact_id();
           RETURN NULL;
       END $$""",
    """CREATE CONSTRAINT TRIGGER registry_changerecord_commit_seq
       AFTER INSERT ON registry_changerecord
       DEFERRABLE INITIALLY DEFERRED
       FOR EACH ROW WHEN (registry_first_ledger_row_of_xact())
       EXECUTE FUNCTION registry_stamp_commit_seq()""",
    # Rows written before this migration: in id order, one number each.
    """UPDATE registry_changerecord SET commit_seq = id WHERE commit_seq IS NULL""",
    """UPDATE registry_commitcounter
          SET value = COALESCE((SELECT max(commit_seq) FROM registry_changerecord), 0)""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_changerecord_commit_seq ON registry_changerecord",
    "DROP FUNCTION IF EXISTS registry_stamp_commit_seq()",
    "DROP FUNCTION IF EXISTS registry_first_ledger_row_of_xact()",
    "DROP TABLE IF EXISTS registry_commitcounter",
    "DROP INDEX IF EXISTS registry_changerecord_unstamped_xact",
    "ALTER TABLE registry_changerecord DROP COLUMN IF EXISTS xact_id",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_change_commit_order")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD), elidable=False)]
