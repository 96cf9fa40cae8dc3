"""
Two editors press Save on the same treatment at the same moment.

`two_saves_at_once()` runs the case against whatever database Django is set up
with: the first save is held inside its transaction, just after the
no-lost-updates check, while the second arrives. Exactly one may be saved;
the other must get the admin's message, not an error, and nothing of the
first may be overwritten.

The test suite runs it in-process on PostgreSQL. SQLite's test database lives
in memory, where locking is not what a server sees, so for SQLite the suite
runs this file as a script against a database file:
`python tests/concurrent_saves.py <database url>` prints the outcome as JSON.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path
from unittest import mock

HOLD_SECONDS = 1.0


def two_saves_at_once():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from core.admin import VersionedAdmin
    from treatments.models import Treatment

    from .helpers import form_values, soup_of, treatment_form, visible

    clients = {}
    for name in ("ann", "ben"):
        user = get_user_model().objects.create_superuser(name, password="a-long-test-password", first_name=name.title())
        clients[name] = Client()
        clients[name].force_login(user)
    assert clients["ann"].post("/admin/treatments/treatment/add/", treatment_form()).status_code == 302
    treatment = Treatment.objects.get(slug="cold-cap-therapy")
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    forms = {name: form_values(client.get(url).content) for name, client in clients.items()}
    forms["ann"]["summary"] = "Ann's summary."
    forms["ben"]["summary"] = "Ben's summary."

    ann_checked = threading.Event()
    original_check = VersionedAdmin.check_not_saved_since

    def held_check(admin_, obj, seen_version):
        original_check(admin_, obj, seen_version)
        if threading.current_thread().name == "ann":
            ann_checked.set()
            time.sleep(HOLD_SECONDS)  # Ann's save is past the check and not yet written

    outcome = {}

    def save(name):
        try:
            response = clients[name].post(url, forms[name])
            errors = soup_of(response).select_one(".errornote, .errorlist")
            outcome[name] = {
                "status": response.status_code,
                "message": visible(errors.find_parent().get_text()) if errors else "",
            }
        except Exception as error:  # noqa: BLE001 -- the outcome to report is "it raised"
            outcome[name] = {"status": "raised", "message": repr(error)}
        finally:
            connection.close()  # this thread's own connection

    with mock.patch.object(VersionedAdmin, "check_not_saved_since", held_check):
        ann = threading.Thread(target=save, args=("ann",), name="ann")
        ann.start()
        assert ann_checked.wait(10), "Ann's save never reached the check"
        ben = threading.Thread(target=save, args=("ben",), name="ben")
        ben.start()
        ann.join(30)
        ben.join(30)
    treatment.refresh_from_db()
    outcome["saved_summary"] = treatment.summary
    return outcome


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ["DATABASE_URL"] = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    __package__ = "tests"
    print(json.dumps(two_saves_at_once()))
