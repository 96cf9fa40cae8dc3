#!/usr/bin/env python
"""Django's command-line utility for Ribbon."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load the settings now so that a missing production variable is one
        # clear line, not a traceback from deep inside whichever command ran.
        _ = settings.INSTALLED_APPS
    except ImproperlyConfigured as exc:
        sys.exit(f"Ribbon is not configured: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
