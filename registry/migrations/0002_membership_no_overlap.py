"""No two memberships of one actor in one body and role may overlap in time.

PostgreSQL: an exclusion constraint on the half-open date range (btree_gist).
SQLite: triggers that abort the insert or update. Django cannot express either
portably, so they live here; ``registry.services.memberships`` checks the same
rule first and gives a clear error.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE registry_membership ADD CONSTRAINT membership_no_overlap
       EXCLUDE USING gist (
           actor_id WITH =, body_id WITH =, role WITH =,
           daterange(start_date, end_date, '[)') WITH &&
       )""",
]
PG_BACKWARD = ["ALTER TABLE registry_membership DROP CONSTRAINT membership_no_overlap"]

_SQLITE_CONDITION = """
    WHEN EXISTS (
        SELECT 1 FROM registry_membership m
        WHERE m.actor_id = NEW.actor_id AND m.body_id = NEW.body_id AND m.role = NEW.role
          AND m.id IS NOT NEW.id
          AND (m.end_date IS NULL OR m.end_date > NEW.start_date)
          AND (NEW.end_date IS NULL OR m.start_date < NEW.end_date)
          AND (m.end_date IS NULL OR m.end_date > m.start_date)
          AND (NEW.end_date IS NULL OR NEW.end_date > NEW.start_date)
    )
    BEGIN SELECT RAISE(ABORT, 'membership_no_overlap'); END"""
SQLITE_FORWARD = [
    "CREATE TRIGGER membership_no_overlap_insert BEFORE INSERT ON registry_membership"
    + _SQLITE_CONDITION,
    "CREATE TRIGGER membership_no_overlap_update BEFORE UPDATE OF actor_id, body_id, role, "
    "start_date, end_date ON registry_membership" + _SQLITE_CONDITION,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS membership_no_overlap_insert",
    "DROP TRIGGER IF EXISTS membership_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
            elidable=False,
        ),
    ]
