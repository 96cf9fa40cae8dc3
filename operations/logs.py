"""
Log lines as JSON (RIBBON_LOG_FORMAT=json), one object per line, for a log collector.

python-json-logger does the writing; this only chooses the fields: a UTC
timestamp, the level, the logger, the message, and whatever facts the line
was given (operations.request_log gives method, path, status, duration_ms, cache).
"""

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# Django hands its request object to the records of "django.request" and "django.server";
# written out, it would carry the query string, which can say something about a patient.
NEVER_WRITTEN = ("request", "server_time")


class JsonFormatter(_JsonFormatter):
    def __init__(self, **kwargs):
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            reserved_attrs=[*RESERVED_ATTRS, *NEVER_WRITTEN],
            **kwargs,
        )
