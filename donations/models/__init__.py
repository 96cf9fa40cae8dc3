"""
Donation campaigns, their suggested amounts, an anonymous count of clicks on
the donate button, and the gifts the payment providers confirmed.

Ribbon never takes payments: a campaign stores the provider's page. What a
campaign has raised is worked out, never typed: the gifts the provider
confirmed (its signed webhook or its export), less what was refunded, plus
the offline gifts staff enter. A DonateClick records only what was asked
for and from which page; a Gift only the provider's ids, the amount and
when. Nothing about a donor is stored.
"""

from donations.models.campaigns import (
    Campaign,
    CampaignQuerySet,
    CampaignText,
    OfflineGift,
    SuggestedAmount,
    total_names,
)
from donations.models.clicks import DonateClick, new_click_reference
from donations.models.ledger import Gift, ProviderEvent, Refund, provider_moment_problem, record_problems
from donations.models.money import MONEY, ZERO, MoneyField, validate_gift_amount

__all__ = [
    "MONEY",
    "ZERO",
    "Campaign",
    "CampaignQuerySet",
    "CampaignText",
    "DonateClick",
    "Gift",
    "MoneyField",
    "OfflineGift",
    "ProviderEvent",
    "Refund",
    "SuggestedAmount",
    "new_click_reference",
    "provider_moment_problem",
    "record_problems",
    "total_names",
    "validate_gift_amount",
]
