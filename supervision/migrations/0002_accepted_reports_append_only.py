"""Accepted progress reports are the official record: the database itself refuses to update
or delete them, whatever code path (ORM, admin, raw SQL) tries.

Deleting is still possible once the sub-item itself is gone, so that the test database can
be flushed; the sub-item cannot be deleted while it has reports (on_delete=PROTECT).
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER supervision_report_accepted_no_update
    BEFORE UPDATE ON supervision_progressreport
    FOR EACH ROW WHEN OLD.state = 'accepted'
    BEGIN SELECT RAISE(ABORT, 'accepted progress reports cannot be changed'); END;
    """,
    """
    CREATE TRIGGER supervision_report_accepted_no_delete
    BEFORE DELETE ON supervision_progressreport
    FOR EACH ROW WHEN OLD.state = 'accepted'
        AND EXISTS (SELECT 1 FROM projects_subitem WHERE id = OLD.sub_item_id)
    BEGIN SELECT RAISE(ABORT, 'accepted progress reports cannot be deleted'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS supervision_report_accepted_no_update;",
    "DROP TRIGGER IF EXISTS supervision_report_accepted_no_delete;",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION supervision_report_accepted_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.state = 'accepted' THEN
            IF TG_OP = 'UPDATE' THEN
                RAISE EXCEPTION 'accepted progress reports cannot be changed';
            ELSIF EXISTS (SELECT 1 FROM projects_subitem WHERE id = OLD.sub_item_id) THEN
                RAISE EXCEPTION 'accepted progress reports cannot be deleted';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER supervision_report_accepted_guard
    BEFORE UPDATE OR DELETE ON supervision_progressreport
    FOR EACH ROW EXECUTE FUNCTION supervision_report_accepted_guard();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS supervision_report_accepted_guard ON supervision_progressreport;",
    "DROP FUNCTION IF EXISTS supervision_report_accepted_guard();",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
