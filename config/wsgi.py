"""WSGI entry point, used by gunicorn: `gunicorn config.wsgi`."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # The same one line as manage.py gives, rather than a traceback per worker.
    sys.exit(f"Ribbon is not configured: {exc}")
