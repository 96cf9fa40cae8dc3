from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def make_search_indexes(sender, using="default", verbosity=0, **kwargs):
    from search.index import ensure_search_indexes

    ensure_search_indexes(using=using, verbosity=verbosity)


def add_stem_function(sender, connection, **kwargs):
    """
    SQLite: searches in a language FTS5 cannot stem (Spanish) compare the
    Snowball stems of their words in SQL (search.engines). Only queries call
    it: the indexes' triggers are plain SQL, so any program may write rows.
    """
    if connection.vendor != "sqlite":
        return
    from search.engines import STEM_FUNCTION
    from search.languages import stem

    connection.connection.create_function(STEM_FUNCTION, 2, stem, deterministic=True)


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        # After every migrate (and flush): each searchable model's index, made again if a migration dropped it.
        post_migrate.connect(make_search_indexes, sender=self, dispatch_uid="ribbon-search-indexes")
        connection_created.connect(add_stem_function, dispatch_uid="ribbon-search-stem")
