"""Presses of a donate button: counted, with nothing that identifies a person."""

import secrets

from django.db import models
from django.utils import timezone

from donations.models.campaigns import Campaign
from donations.providers import MONTHLY, ONE_TIME


def new_click_reference():
    """An unguessable reference for a click, carried to the provider and back with the gift."""
    return secrets.token_hex(12)


class DonateClick(models.Model):
    """One press of a donate button. Deliberately nothing that identifies a person."""

    # Written by visitors, never shown to them: a click must not empty the page cache.
    shown_on_pages = False

    class Frequency(models.TextChoices):
        ONE_TIME = ONE_TIME, "One-time"
        MONTHLY = MONTHLY, "Monthly"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="clicks", help_text="The campaign the button was for."
    )
    amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The amount chosen; empty when left to the provider.",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, help_text="One-time or monthly.")
    source_path = models.CharField(
        "from page", max_length=200, blank=True, help_text="The page of this site the button was pressed on."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="When the button was pressed.")
    reference = models.CharField(
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        default=new_click_reference,
        editable=False,
        help_text="A random reference sent to the provider, which sends it back with the gift it led to.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.campaign} · {self.get_frequency_display()} · {self.amount or 'any amount'}"
