"""
Amounts are MoneyField, which reads back any value the database holds (a
wider one an older release let into SQLite no longer breaks the admin), and
the gift, refund and event amounts carry the one-payment bound
(RIBBON_MAX_GIFT). No column changes type; SQLite copies each table.
"""

from django.db import migrations

import donations.models


class Migration(migrations.Migration):
    dependencies = [("donations", "0011_editors_see_gifts")]

    operations = [
        migrations.AlterField(
            model_name="gift",
            name="amount",
            field=donations.models.MoneyField(
                decimal_places=3,
                help_text="The amount given, in the currency below.",
                max_digits=14,
                validators=[donations.models.validate_gift_amount],
            ),
        ),
        migrations.AlterField(
            model_name="offlinegift",
            name="amount",
            field=donations.models.MoneyField(
                decimal_places=3,
                help_text=(
                    "In the campaign's currency. A negative amount corrects the total downwards, "
                    "e.g. a gift counted twice."
                ),
                max_digits=14,
            ),
        ),
        migrations.AlterField(
            model_name="providerevent",
            name="amount",
            field=donations.models.MoneyField(
                blank=True,
                decimal_places=3,
                help_text="The amount it names.",
                max_digits=14,
                null=True,
                validators=[donations.models.validate_gift_amount],
            ),
        ),
        migrations.AlterField(
            model_name="refund",
            name="amount",
            field=donations.models.MoneyField(
                decimal_places=3,
                help_text="The amount returned, in the gift's currency.",
                max_digits=14,
                validators=[donations.models.validate_gift_amount],
            ),
        ),
    ]
