"""
On PostgreSQL, a trigram index lets FAQ search (`search_text LIKE '%word%'`)
skip reading every answer. SQLite has no such index and keeps scanning,
which is fine at its scale. If the database role may not create the
pg_trgm extension, search still works, only without the index.
"""

from django.db import migrations

INDEX = "faq_question_search_trgm"


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT ribbon_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 - no permission: leave search unindexed
            cursor.execute("ROLLBACK TO SAVEPOINT ribbon_trgm")
            return
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON faq_question USING gin (search_text gin_trgm_ops)")
        cursor.execute("RELEASE SAVEPOINT ribbon_trgm")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("faq", "0004_question_page_order_index")]

    operations = [migrations.RunPython(add_trigram_index, drop_trigram_index)]
