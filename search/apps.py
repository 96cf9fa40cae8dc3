from django.apps import AppConfig
from django.db.models.signals import post_migrate


def make_search_indexes(sender, using="default", verbosity=0, **kwargs):
    from search.index import ensure_search_indexes

    ensure_search_indexes(using=using, verbosity=verbosity)


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        # After every migrate (and flush): each searchable model's index, made again if a migration dropped it.
        post_migrate.connect(make_search_indexes, sender=self, dispatch_uid="ribbon-search-indexes")
