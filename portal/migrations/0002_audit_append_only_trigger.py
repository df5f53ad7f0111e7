"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit entries.

The model already refuses them; the trigger also stops raw SQL and bulk
queryset updates, which bypass ``save()``. Deleting a user still works: its
entries keep ``actor_label`` and lose only the link.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION portal_audit_append_only() RETURNS trigger AS $$
DECLARE
    unlinked portal_auditentry;
BEGIN
    -- The one change allowed: the actor's account was deleted (SET NULL);
    -- actor_label still names who acted.
    IF TG_OP = 'UPDATE' THEN
        unlinked := OLD;
        unlinked.actor_id := NULL;
        IF NEW IS NOT DISTINCT FROM unlinked THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_auditentry_append_only
    BEFORE UPDATE OR DELETE ON portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS portal_auditentry_append_only ON portal_auditentry;
DROP FUNCTION IF EXISTS portal_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
