"""
Queries that Django builds once per process, then runs with other values.

Building a query (filters, joins, ordering, SQL) costs Django about ten
times what SQLite then takes to answer it: 230 µs against 20 µs for a
treatment's points. The few queries every uncached treatment page makes
are therefore built once, from an ordinary queryset, and their SQL is run
through `raw()` with the real value in place of a marker. Everything else
stays Django's: the SQL is the ORM's own (so it follows the models and the
database in use), rows become model instances, and the queries pass through
Django's cursor (query counting, wrappers).

Use it only where `make bench` shows it matters: a queryset is clearer.
"""

import datetime

from django.db import connections
from django.utils import timezone

# Values no row has: their place among the compiled query's parameters is where each call's value goes.
MARKER = -7_318_046_259_183
TEXT_MARKER = "\x00ribbon-query-marker\x00"
# The time of each call (`published(now=NOW)`): a go-live or expiry is compared with the clock when the
# query runs, not when it was built.
NOW = datetime.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)


class Precompiled:
    """
    `Precompiled(lambda marker: Point.objects.filter(treatment_id=marker))`
    then `query(treatment.pk)` gives the same rows as the queryset would.
    The queryset must select whole rows (or `only()` some fields) of one
    model, and use the marker exactly where the value belongs: MARKER for a
    number, TEXT_MARKER (`marker=TEXT_MARKER`) for text such as a slug.
    """

    def __init__(self, build, marker=MARKER):
        self.build = build
        self.marker = marker
        self._compiled = {}

    def _sql(self, using):
        key = (using, connections[using].vendor)
        if key not in self._compiled:
            queryset = self.build(self.marker)
            sql, params = queryset.query.sql_with_params()
            if self.marker not in params:
                raise ValueError("the queryset does not use the marker as a parameter")
            now = connections[using].ops.adapt_datetimefield_value(NOW)
            self._compiled[key] = (queryset.model, sql, params, now if now in params else None)
        return self._compiled[key]

    def __call__(self, value, using="default"):
        model, sql, params, now_marker = self._sql(using)
        now = connections[using].ops.adapt_datetimefield_value(timezone.now()) if now_marker is not None else None
        values = [value if param == self.marker else now if param == now_marker else param for param in params]
        return list(model._default_manager.raw(sql, values, using=using))
