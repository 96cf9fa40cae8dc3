import datetime

import reversion
from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from markdownx.admin import MarkdownxModelAdmin

from core.admin import (
    URL_FIELDS_ASSUME_HTTPS,
    LabelledTabularInline,
    PublishActionsMixin,
    ReadOnlyAdmin,
    VersionedAdmin,
)
from core.text import format_money

from .models import Campaign, DonateClick, SuggestedAmount, clicks_per_day, notify_superusers_of_link_change


class SuggestedAmountFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        defaults = [
            form for form in self.forms if form.cleaned_data.get("is_default") and not form.cleaned_data.get("DELETE")
        ]
        if len(defaults) > 1:
            raise forms.ValidationError("Only one suggested amount can be selected by default.")


class SuggestedAmountInline(LabelledTabularInline):
    model = SuggestedAmount
    formset = SuggestedAmountFormSet
    fields = ["amount", "impact", "order", "is_default"]
    extra = 1


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
    inlines = [SuggestedAmountInline]
    readonly_fields = ["provider_name", "clicks_by_day", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status", "is_featured", "starts_on", "ends_on"]}),
        ("Schedule", {"fields": ["go_live_at", "expires_at"]}),
        ("Where donors pay", {"fields": ["donate_url", "monthly_donate_url", "provider_name"]}),
        ("Progress (from the provider's dashboard)", {"fields": ["goal", "currency", "raised", "donor_count"]}),
        ("Story", {"fields": ["hero_image", "hero_image_alt", "story", "thank_you_message"]}),
        ("Donate button clicks", {"fields": ["clicks_by_day", "updated_at"]}),
    ]

    def get_queryset(self, request):
        since = timezone.now() - datetime.timedelta(days=30)
        return (
            super()
            .get_queryset(request)
            .annotate(
                click_total=Count("clicks"),
                click_recent=Count("clicks", filter=Q(clicks__created_at__gte=since)),
            )
        )

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

    @admin.display(description="Raised", ordering="raised")
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

    @admin.display(description="Clicks per day, last 30 days")
    def clicks_by_day(self, obj):
        if not obj or not obj.pk:
            return "Shown once the campaign is saved."
        rows = clicks_per_day(obj)
        return format_html(
            "<table><caption>Donate button clicks per day (no personal data is recorded)</caption>"
            '<thead><tr><th scope="col">Day</th><th scope="col">Clicks</th></tr></thead><tbody>{}</tbody>'
            '<tfoot><tr><th scope="row">Total</th><td>{}</td></tr></tfoot></table>',
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td></tr>", ((date_format(day, "D j M"), n) for day, n in rows)
            ),
            sum(n for _, n in rows),
        )


@admin.register(DonateClick)
class DonateClickAdmin(ReadOnlyAdmin):
    """Read-only: clicks are facts, recorded by the site, never edited."""

    list_display = ["created_at", "campaign", "amount", "frequency", "source_path"]
    list_filter = ["campaign", "frequency"]
    list_select_related = ["campaign"]
    date_hierarchy = "created_at"
