"""Amounts of money as campaigns and gifts hold them, and the largest one payment may believably be."""

import decimal
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

# Amounts of money: up to 3 decimal places, for the currencies that have them (KWD, BHD …).
MONEY = {"max_digits": 14, "decimal_places": 3}
ZERO = Decimal("0")


class MoneyField(models.DecimalField):
    """
    An amount of money, checked on its way in by its validators like any
    DecimalField, and read back whatever the database holds. SQLite does not
    enforce max_digits, and Django's SQLite reader rounds each value within
    max_digits, raising InvalidOperation for a wider one: a single such row
    (written by an older release, or by hand) made every page that lists it,
    and the deletion of anything that protects it, a server error. This
    field reads such a value whole, and one beyond any number (an infinity
    SQLite kept) as NaN, so that staff can see it and correct it.
    """

    @cached_property
    def context(self):
        # Wide enough for the largest number SQLite stores (about 1.8e308, to 3 places); no trap raises.
        return decimal.Context(prec=400, traps=[])

    def deconstruct(self):
        # Migrations name the field where the app's models are, wherever in them it is defined.
        name, _path, args, kwargs = super().deconstruct()
        return name, "donations.models.MoneyField", args, kwargs

    def to_python(self, value):
        if isinstance(value, float):  # as DecimalField reads a float: to max_digits, not to 400 digits
            value = decimal.Context(prec=self.max_digits).create_decimal_from_float(value)
        return super().to_python(value)


def validate_gift_amount(value):
    """No more than one payment can believably bring (RIBBON_MAX_GIFT): a larger one is a mistake or a forgery."""
    limit = settings.RIBBON_MAX_GIFT
    if value is not None and value > limit:
        raise ValidationError(
            "One payment of more than %(limit)s is not believable as a gift (RIBBON_MAX_GIFT); "
            "count a larger gift as an offline gift.",
            code="max_gift",
            params={"limit": f"{limit:,}"},
        )
