import datetime

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from markdownx.admin import MarkdownxModelAdmin

from core.admin import (
    URL_FIELDS_ASSUME_HTTPS,
    LabelledTabularInline,
    PublishActionsMixin,
    ReadableFields,
    ReadOnlyAdmin,
    VersionedAdmin,
)
from core.text import format_money

from .charts import activity_chart
from .import_views import import_gifts
from .models import (
    Campaign,
    CampaignText,
    DonateClick,
    Gift,
    OfflineGift,
    ProviderEvent,
    Refund,
    SuggestedAmount,
)
from .models.campaigns import OTHER_LANGUAGES
from .notifications import notify_superusers_of_link_change
from .reports import activity_by_source, activity_per_day

RECENT_SHOWN = 20
STRIPE_UNHEARD = (
    '<p class="errornote">Stripe\'s gifts are not being counted: this site has no webhook secret '
    "(STRIPE_WEBHOOK_SECRET). The README says how to connect Stripe.</p>"
)  # confirmed gifts, refunds and events listed on a campaign's page


class SuggestedAmountFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        defaults = [
            form for form in self.forms if form.cleaned_data.get("is_default") and not form.cleaned_data.get("DELETE")
        ]
        if len(defaults) > 1:
            raise forms.ValidationError("Only one suggested amount can be selected by default.")


def _impact_in(code, name):
    return forms.CharField(
        label=f"what it pays for, in {name}",
        max_length=SuggestedAmount._meta.get_field("impact").max_length,
        required=False,
        strip=True,
        help_text=f"The same, for the campaign's page in {name}. Empty: that page shows the English words.",
    )


# One field per other language of the site: adding a language to LANGUAGES adds its column.
IMPACT_FIELDS = {f"impact_{code}": code for code, _name in OTHER_LANGUAGES}


class SuggestedAmountForm(forms.ModelForm):
    """A suggested amount, with what it pays for in each language (kept in impact_translations)."""

    class Meta:
        model = SuggestedAmount
        fields = ["amount", "impact", "order", "is_default"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, code in IMPACT_FIELDS.items():
            self.initial.setdefault(field, self.instance.impact_translations.get(code, ""))

    def save(self, commit=True):
        words = {code: self.cleaned_data.get(field, "") for field, code in IMPACT_FIELDS.items()}
        self.instance.impact_translations = {code: text for code, text in words.items() if text}
        return super().save(commit)


# Declared as fields of the form, so that the admin may list them beside the model's own.
SuggestedAmountForm.declared_fields.update({f"impact_{code}": _impact_in(code, name) for code, name in OTHER_LANGUAGES})
SuggestedAmountForm.base_fields.update(SuggestedAmountForm.declared_fields)


class CampaignRowInline(LabelledTabularInline):
    """A campaign's rows, each named with the campaign's currency: read with the campaign, not one query per row."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign")


class SuggestedAmountInline(CampaignRowInline):
    model = SuggestedAmount
    form = SuggestedAmountForm
    formset = SuggestedAmountFormSet
    fields = ["amount", "impact", *IMPACT_FIELDS, "order", "is_default"]
    extra = 1


class OfflineGiftInline(CampaignRowInline):
    """Money counted by hand; saved with the campaign, so its history and undo are the campaign's."""

    model = OfflineGift
    fields = ["received_on", "amount", "donors", "description"]
    extra = 0
    verbose_name_plural = "offline gifts and corrections"


class CampaignTextInline(ReadableFields, admin.StackedInline):
    """
    The campaign's words in another language, on its own form: saved and versioned with it, and shown on
    its pages in that language (/es/donate/…). Without one, those pages show the English words.
    """

    model = CampaignText
    fields = ["language", "title", "slug", "summary", "story", "thank_you_message"]
    extra = 0
    max_num = len(CampaignText._meta.get_field("language").choices)


def _when(moment, format_string="j M Y H:i"):
    """
    A moment in the site's time zone, or in UTC (said so) where that zone
    cannot hold it: a gift stored before dates were checked may be dated the
    year 1, which is the year 0 west of UTC.
    """
    try:
        return date_format(timezone.localtime(moment), format_string)
    except OverflowError:
        return f"{date_format(moment, format_string)} UTC"


class LocalDatesChangeList(ChangeList):
    """
    A list whose date drill-down is left out when the oldest or newest moment
    has no date in the site's time zone (see _when): Django's drill-down
    turns both into local dates and would fail on the page.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.date_hierarchy:
            span = self.queryset.aggregate(first=Min(self.date_hierarchy), last=Max(self.date_hierarchy))
            try:
                [timezone.localtime(moment) for moment in span.values() if moment is not None]
            except OverflowError:
                self.date_hierarchy = None


def _table(caption, headers, rows, empty):
    """A small accessible table for a read-only panel of the campaign's page."""
    if not rows:
        return format_html("<p>{}</p>", empty)
    return format_html(
        "<table><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        caption,
        format_html_join("", '<th scope="col">{}</th>', ((header,) for header in headers)),
        format_html_join("", "<tr>" + "<td>{}</td>" * len(headers) + "</tr>", rows),
    )


@admin.register(Campaign)
class CampaignAdmin(PublishActionsMixin, VersionedAdmin, MarkdownxModelAdmin):
    formfield_overrides = {**MarkdownxModelAdmin.formfield_overrides, **URL_FIELDS_ASSUME_HTTPS}
    list_display = [
        "title", "status", "is_featured", "progress", "raised_display", "goal_display",
        "clicks_last_30_days", "clicks_total", "starts_on", "ends_on",
    ]  # fmt: skip
    list_filter = ["status", "is_featured"]
    search_fields = ["title", "summary", "story"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SuggestedAmountInline, CampaignTextInline, OfflineGiftInline]
    readonly_fields = [
        "provider_name", "progress_figures", "confirmed_gifts", "refunds_and_flags", "activity", "by_page",
        "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status", "is_featured", "starts_on", "ends_on"]}),
        ("Schedule", {"fields": ["go_live_at", "expires_at"]}),
        ("Where donors pay", {"fields": ["donate_url", "monthly_donate_url", "provider_name"]}),
        ("Goal and progress", {"fields": ["goal", "currency", "progress_figures"]}),
        ("Story", {"fields": ["hero_image", "hero_image_alt", "story", "thank_you_message"]}),
        ("Gifts the provider confirmed", {"fields": ["confirmed_gifts", "refunds_and_flags"]}),
        ("Clicks and gifts, last 30 days", {"fields": ["activity"]}),
        ("Which pages lead people to give", {"fields": ["by_page", "updated_at"]}),
    ]

    def get_queryset(self, request):
        since = timezone.now() - datetime.timedelta(days=30)
        clicks = DonateClick.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
        return (
            super()
            .get_queryset(request)
            .sortable_by_amount_raised()
            .annotate(
                # Subqueries, not joins: a join of clicks would multiply the gift sums.
                click_total=Coalesce(Subquery(clicks.annotate(n=Count("pk")).values("n")[:1]), 0),
                click_recent=Coalesce(
                    Subquery(clicks.filter(created_at__gte=since).annotate(n=Count("pk")).values("n")[:1]), 0
                ),
            )
        )

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/import-gifts/",
                self.admin_site.admin_view(self.import_gifts_view),
                name="donations_campaign_import_gifts",
            )
        ]
        return urls + super().get_urls()

    def import_gifts_view(self, request, object_id):
        return import_gifts(self, request, object_id)

    # Where the money goes: a change to a donate link is named, old and new address, in the
    # campaign's history and the admin log, and e-mailed to the superusers.
    DONATE_LINK_FIELDS = {"donate_url": "Donate link", "monthly_donate_url": "Monthly donate link"}

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        changes = getattr(request, "ribbon_donate_link_changes", [])
        if changes:
            described = " ".join(
                f"{label} changed from {old or '(none)'} to {new or '(none)'}." for label, old, new in changes
            )
            entry.change_message = f"{entry.get_change_message()} {described}"
            entry.save(update_fields=["change_message"])
            if reversion.is_active():
                reversion.set_comment(entry.change_message)
            transaction.on_commit(lambda: notify_superusers_of_link_change(request.user, obj, described))
        return entry

    def save_model(self, request, obj, form, change):
        if change:
            request.ribbon_donate_link_changes = [
                (label, form.initial.get(name, ""), form.cleaned_data.get(name, ""))
                for name, label in self.DONATE_LINK_FIELDS.items()
                if name in form.changed_data
            ]
        previous = Campaign.objects.filter(is_featured=True).exclude(pk=obj.pk).first() if obj.is_featured else None
        super().save_model(request, obj, form, change)
        if previous is not None:
            self.message_user(
                request, f"“{obj.title}” is now the featured campaign instead of “{previous.title}”.", messages.INFO
            )

    @admin.display(description="Progress")
    def progress(self, obj):
        return "no goal" if obj.percent_raised is None else f"{obj.percent_raised}%"

    @admin.display(description="Raised", ordering="total_raised")
    def raised_display(self, obj):
        return format_money(obj.raised, obj.currency)

    @admin.display(description="Goal", ordering="goal")
    def goal_display(self, obj):
        return format_money(obj.goal, obj.currency)

    @admin.display(description="Clicks, last 30 days", ordering="click_recent")
    def clicks_last_30_days(self, obj):
        return obj.click_recent

    @admin.display(description="Clicks in total", ordering="click_total")
    def clicks_total(self, obj):
        return obj.click_total

    @admin.display(description="Payment provider")
    def provider_name(self, obj):
        provider = obj.provider if obj and obj.donate_url else None
        return provider.name if provider else "—"

    @admin.display(description="Progress")
    def progress_figures(self, obj):
        if not obj or not obj.pk:
            return "Shown once the campaign is saved: confirmed gifts, less refunds, plus offline gifts."
        obj.load_totals()
        currency = obj.currency
        updated = obj.totals_updated_at
        unheard = obj.provider and obj.provider.key == "stripe" and not settings.STRIPE_WEBHOOK_SECRETS
        return format_html(
            "{}<p><strong>{}</strong></p>"
            "<p>{} confirmed by the provider, less {} refunded, plus {} in offline gifts (below). "
            "{} donors: {} confirmed gifts and {} offline.</p><p>{}</p>",
            mark_safe(STRIPE_UNHEARD) if unheard else "",
            obj.progress_summary(),
            format_money(obj.total_gifts, currency),
            format_money(obj.total_refunds, currency),
            format_money(obj.total_offline, currency),
            obj.donor_count,
            obj.count_gifts,
            obj.count_offline_donors,
            f"Last updated {_when(updated, 'j F Y, H:i')}." if updated else "No gift recorded yet.",
        )

    @admin.display(description="Confirmed gifts")
    def confirmed_gifts(self, obj):
        if not obj or not obj.pk:
            return "—"
        gifts = obj.gifts.select_related("click")[:RECENT_SHOWN]
        import_link = reverse("admin:donations_campaign_import_gifts", args=[obj.pk])
        listed = reverse("admin:donations_gift_changelist") + f"?campaign__id__exact={obj.pk}"
        return format_html(
            '{}<p><a href="{}">All gifts to this campaign</a> · <a href="{}">Import a provider\'s export</a></p>',
            _table(
                f"The latest {RECENT_SHOWN} gifts (nothing about donors is stored)",
                ["Given", "Amount", "Kind", "Provider", "From page"],
                [
                    (
                        _when(gift.given_at),
                        format_money(gift.amount, gift.currency),
                        gift.get_frequency_display(),
                        gift.get_provider_display(),
                        (gift.click.source_path if gift.click else "") or "—",
                    )
                    for gift in gifts
                ],
                "No confirmed gifts yet. They arrive from Stripe's webhook, or from a provider's export imported here.",
            ),
            listed,
            import_link,
        )

    @admin.display(description="Refunds and events for staff")
    def refunds_and_flags(self, obj):
        if not obj or not obj.pk:
            return "—"
        refunds = Refund.objects.filter(gift__campaign=obj).select_related("gift")[:RECENT_SHOWN]
        events = obj.provider_events.filter(outcome__in=[ProviderEvent.Outcome.FLAGGED, ProviderEvent.Outcome.HELD])
        events = events.filter(dealt_with=False)[:RECENT_SHOWN]
        return format_html(
            "{}{}",
            _table(
                "Refunds and lost disputes",
                ["When", "Amount", "Kind", "Of the gift"],
                [
                    (
                        _when(refund.refunded_at),
                        format_money(refund.amount, refund.gift.currency),
                        refund.get_kind_display(),
                        format_money(refund.gift.amount, refund.gift.currency),
                    )
                    for refund in refunds
                ],
                "No refunds.",
            ),
            _table(
                "Flagged or held, not yet dealt with",
                ["Received", "Event", "What happened"],
                [
                    (
                        _when(event.received_at),
                        event.event_type,
                        event.reason,
                    )
                    for event in events
                ],
                "Nothing flagged for staff.",
            ),
        )

    @admin.display(description="Per day")
    def activity(self, obj):
        if not obj or not obj.pk:
            return "Shown once the campaign is saved."
        days = activity_per_day(obj)
        return format_html(
            "{}<details><summary>The same figures as a table</summary>{}</details>",
            activity_chart(days, f"activity-{obj.pk}"),
            format_html(
                "<table><caption>Donate button clicks and confirmed gifts per day (no personal data is recorded)"
                '</caption><thead><tr><th scope="col">Day</th><th scope="col">Clicks</th><th scope="col">Gifts</th>'
                '<th scope="col">Given</th></tr></thead><tbody>{}</tbody>'
                '<tfoot><tr><th scope="row">Total</th><td>{}</td><td>{}</td><td>{}</td></tr></tfoot></table>',
                format_html_join(
                    "",
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    (
                        (date_format(day.day, "D j M"), day.clicks, day.gifts, format_money(day.amount, obj.currency))
                        for day in days
                    ),
                ),
                sum(day.clicks for day in days),
                sum(day.gifts for day in days),
                format_money(sum(day.amount for day in days), obj.currency),
            ),
        )

    @admin.display(description="Per page")
    def by_page(self, obj):
        if not obj or not obj.pk:
            return "Shown once the campaign is saved."
        return _table(
            "Clicks, gifts and amount given (less refunds) by the page the donate button was pressed on",
            ["Page", "Clicks", "Gifts", "Given"],
            [
                (row.path or "(unknown page)", row.clicks, row.gifts, format_money(row.amount, obj.currency))
                for row in activity_by_source(obj)
            ],
            "No clicks yet.",
        )


@admin.register(DonateClick)
class DonateClickAdmin(ReadOnlyAdmin):
    """Read-only: clicks are facts, recorded by the site, never edited."""

    list_display = ["created_at", "campaign", "amount", "frequency", "source_path"]
    list_filter = ["campaign", "frequency"]
    list_select_related = ["campaign"]
    date_hierarchy = "created_at"


@admin.register(Gift)
class GiftAdmin(ReadOnlyAdmin):
    """Read-only: a gift is what the provider confirmed. A correction is an offline gift on the campaign."""

    list_display = ["given", "campaign", "amount_display", "frequency", "provider", "source", "from_page"]
    list_filter = ["provider", "source", "frequency", "campaign"]
    list_select_related = ["campaign", "click"]
    search_fields = ["transaction_id", "payment_id", "event_id"]
    date_hierarchy = "given_at"

    def get_changelist(self, request, **kwargs):
        return LocalDatesChangeList

    @admin.display(description="Given at", ordering="given_at")
    def given(self, obj):
        return _when(obj.given_at)

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)

    @admin.display(description="From page")
    def from_page(self, obj):
        return (obj.click.source_path if obj.click else "") or "—"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["refunded", "gift", "kind", "amount_display", "provider"]
    list_filter = ["kind", "provider"]
    list_select_related = ["gift__campaign"]
    search_fields = ["reference", "gift__transaction_id", "gift__payment_id"]

    @admin.display(description="Refunded at", ordering="refunded_at")
    def refunded(self, obj):
        return _when(obj.refunded_at)

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return format_money(obj.amount, obj.gift.currency)


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    """
    What the providers told Ribbon, and what it did. Only "dealt with" can be
    changed: staff tick it once they have looked into a dispute or a held gift.
    """

    list_display = ["received_at", "event_type", "outcome", "campaign", "amount_display", "reason", "dealt_with"]
    list_filter = ["outcome", "dealt_with", "event_type"]
    list_select_related = ["campaign"]
    list_editable = ["dealt_with"]
    search_fields = ["event_id", "reference"]
    fields = [
        "received_at", "provider", "event_id", "event_type", "outcome", "reason", "campaign", "gift", "reference",
        "amount", "currency", "dealt_with",
    ]  # fmt: skip
    readonly_fields = [name for name in fields if name != "dealt_with"]
    actions = ["mark_dealt_with"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return "—" if obj.amount is None else format_money(obj.amount, obj.currency or "USD")

    @admin.action(description="Mark as dealt with", permissions=["change"])
    def mark_dealt_with(self, request, queryset):
        updated = queryset.update(dealt_with=True)
        self.message_user(request, f"{updated} event(s) marked as dealt with.", messages.SUCCESS)
