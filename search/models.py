"""
What makes a model searchable: one base, and one way to ask.

A searchable model names the columns the database indexes (its title column
first: a match there ranks first), how a result is labelled, and what a
result shows. `Model.search(text, …)` gives a page of its live pages that
match; the site's search over several kinds at once is `search.results.search`.
"""

from django.db import models


class SearchableModel(models.Model):
    # The title column, then the columns of plain text searched; search.index keeps the database's index of them.
    search_columns = ()
    # The kind of page, as a result is labelled ("Treatment").
    search_label = ""
    # Rows read with a whole result (select_related); what a result shows: its title's field, its address's
    # field and, optionally, where it sits (a field of a related row: "topic__name").
    search_related = ()
    search_only = ()

    class Meta:
        abstract = True

    def search_context(self):
        """Where the page sits (its topic, say), shown beside it in results: as read with the result, if it was."""
        return getattr(self, "shown_context", "")

    @classmethod
    def search(cls, text, number=1, per_page=20, **options):
        """Page `number` of this model's live pages matching `text` (see search.results.search for `options`)."""
        from search.results import search

        return search([cls], text, number, per_page, **options)
