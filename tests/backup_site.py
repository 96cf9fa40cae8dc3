"""
A site worth backing up, and a description of a site precise enough to tell
two apart, for tests/test_backups.py. Each runs inside `manage.py shell` in
a process of its own, against the database and media of that process:

    python manage.py shell -c "from tests.backup_site import build; build()"
    python manage.py shell -c "from tests.backup_site import describe; describe()"

`describe` prints one JSON object: a digest of every row of every table (the
search indexes' own tables included), of every public page as an anonymous
visitor gets it, and of every media file.
"""

import datetime
import hashlib
import io
import json
import sys
from decimal import Decimal

import reversion
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from donations.models import Campaign, DonateClick, Gift, Refund
from operations.backups import media_names
from treatments.models import Treatment

from .helpers import addresses_for, image_bytes, public_routes

# Addresses beyond the routes' own: searches prove the search indexes came back with the rows.
SEARCHES = [
    "/search/?q=fatigue",
    "/search/?q=chimiotherapie",
    "/faq/?q=hair",
    "/treatments/compare/?t=chemotherapy&t=immunotherapy",
]


def build():
    """The demo content, then pictures, versions, a staff account, clicks, gifts and a refund."""
    call_command("load_demo", stdout=io.StringIO())
    now = timezone.now()
    with transaction.atomic():
        staff = get_user_model().objects.create_user("editor", password="a-password-for-the-test", is_staff=True)
        treatment = Treatment.objects.get(slug="chemotherapy")
        with reversion.create_revision():
            treatment.summary = "Medicines that reach cancer cells wherever they are in the body."
            treatment.hero_image.save("infusion.jpg", ContentFile(image_bytes("JPEG", size=(1600, 900))), save=False)
            treatment.hero_image_alt = "A nurse setting up an infusion"
            treatment.save()
            reversion.set_user(staff)
            reversion.set_comment("A clearer summary and a picture")
        default_storage.save("markdownx/diagram.png", ContentFile(image_bytes("PNG", size=(300, 200))))
        campaign = Campaign.objects.order_by("pk").first()
        for number in range(5):
            click = DonateClick.objects.create(
                campaign=campaign, amount=Decimal("25"), frequency="once", source_path="/treatments/chemotherapy/"
            )
            gift = Gift.objects.create(
                campaign=campaign,
                click=click,
                provider="stripe",
                transaction_id=f"cs_test_{number}",
                payment_id=f"pi_test_{number}",
                event_id=f"evt_test_{number}",
                amount=Decimal("25.00"),
                currency=campaign.currency,
                frequency="once",
                given_at=now - datetime.timedelta(hours=number),
                source=Gift.Source.WEBHOOK,
            )
        Refund.objects.create(
            gift=gift, provider="stripe", reference="re_test_1", amount=Decimal("10.00"), refunded_at=now
        )


def _digest(value):
    return hashlib.sha256(value if isinstance(value, bytes) else value.encode()).hexdigest()


def _plain(value):
    return bytes(value).hex() if isinstance(value, memoryview | bytes) else value


def tables():
    found = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr([_plain(value) for value in row]) for row in cursor.fetchall())
            found[table] = {"rows": len(rows), "digest": _digest("\n".join(rows))}
    return found


def pages():
    client = Client(HTTP_HOST="127.0.0.1")
    addresses = [
        address
        for text, pattern in public_routes()
        if pattern.name != "give"  # a redirect to the payment provider with a new random reference, not a page
        for address in addresses_for(text, pattern)
    ]
    found = {}
    for address in [*addresses, *SEARCHES]:
        response = client.get(address)
        found[address] = {"status": response.status_code, "digest": _digest(response.content)}
    return found


def media():
    found = {}
    for name in media_names():
        with default_storage.open(name, "rb") as file:
            found[name] = _digest(file.read())
    return found


def describe():
    json.dump({"tables": tables(), "pages": pages(), "media": media()}, sys.stdout, sort_keys=True)
