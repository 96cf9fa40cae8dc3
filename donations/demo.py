"""The demo campaigns `load_demo` adds: only what is missing, never overwriting edits."""

import datetime
from decimal import Decimal
from pathlib import Path

import reversion
import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import Campaign, CampaignText, OfflineGift, SuggestedAmount
from .models.campaigns import OTHER_LANGUAGES

DEMO_FILE = Path(__file__).resolve().parent / "demo_content" / "campaigns.yaml"


def load_demo_campaigns(today=None):
    """Returns (created, kept) counts."""
    today = today or timezone.localdate()
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    created = kept = 0
    for item in data["campaigns"]:
        slug = slugify(item["title"])
        if Campaign.objects.filter(slug=slug).exists():
            kept += 1
            continue
        ends_on = None
        if "ends_in_days" in item:
            ends_on = today + datetime.timedelta(days=item["ends_in_days"])
        elif "ends_days_ago" in item:
            ends_on = today - datetime.timedelta(days=item["ends_days_ago"])
        # Featuring a demo campaign must not take the place of one staff chose.
        featured = item.get("featured", False) and not Campaign.objects.filter(is_featured=True).exists()
        campaign = Campaign(
            title=item["title"],
            slug=slug,
            summary=item["summary"],
            story=item["story"].strip(),
            thank_you_message=item.get("thank_you", "").strip(),
            goal=Decimal(item["goal"]),
            starts_on=today - datetime.timedelta(days=item["starts_days_ago"]),
            ends_on=ends_on,
            donate_url=item["donate_url"],
            monthly_donate_url=item.get("monthly_donate_url", ""),
            status=Campaign.Status.PUBLISHED,
            is_featured=featured,
        )
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment("Demo content loaded")
            campaign.full_clean()
            campaign.save()
            SuggestedAmount.objects.bulk_create(
                SuggestedAmount(
                    campaign=campaign,
                    amount=Decimal(amount["amount"]),
                    impact=amount["impact"],
                    impact_translations={
                        code: amount[f"impact_{code}"] for code, _name in OTHER_LANGUAGES if f"impact_{code}" in amount
                    },
                    order=order,
                    is_default=amount.get("default", False),
                )
                for order, amount in enumerate(item["amounts"], start=1)
            )
            OfflineGift.objects.create(
                campaign=campaign,
                received_on=campaign.starts_on,
                amount=Decimal(item["raised"]),
                donors=item["donor_count"],
                description="Gifts received before this site counted them",
            )
            for language in dict(CampaignText._meta.get_field("language").choices):
                if language in item:  # its words in another language
                    words = item[language]
                    text = CampaignText(
                        campaign=campaign,
                        language=language,
                        title=words["title"],
                        summary=words["summary"],
                        story=words["story"].strip(),
                        thank_you_message=words.get("thank_you", "").strip(),
                    )
                    text.full_clean()
                    text.save()
            reversion.add_to_revision(campaign)  # again, now with its amounts, offline gifts and other languages
        created += 1
    return created, kept
