"""
Editors write and arrange articles, their questions and tags (deleting stays with superusers); medical
reviewers read and change them, since approving an article is a change, made on its page.
"""

from django.db import migrations

from core.migration_helpers import grant, grant_editors, revoke, revoke_editors

EDITOR_PERMISSIONS = [
    "add_article", "change_article", "view_article",
    "add_articlequestion", "change_articlequestion", "delete_articlequestion", "view_articlequestion",
    "add_tag", "change_tag", "view_tag",
]  # fmt: skip
REVIEWER_PERMISSIONS = ["change_article", "view_article", "view_articlequestion", "view_tag"]


def forwards(apps, schema_editor):
    grant_editors(apps, "articles", EDITOR_PERMISSIONS)
    grant(apps, "Medical reviewers", "articles", REVIEWER_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_editors(apps, "articles", EDITOR_PERMISSIONS)
    revoke(apps, "Medical reviewers", "articles", REVIEWER_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_articles"), ("treatments", "0002_editors_group"), ("review", "0002_groups")]

    operations = [migrations.RunPython(forwards, backwards)]
