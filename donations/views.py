from dataclasses import replace

from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from core.languages import alternates
from core.models import keep_draft_private
from pagecache.parameters import PagePath, Raw, never_stored, page_exists, query_parameters
from pagecache.refresh import render_again

from .donate_query import GiftError, is_counted, parse_gift, source_path
from .models import Campaign, DonateClick
from .providers import DONATE_FORM_ACTION, provider_url
from .webhooks import Refused, handle, verify

# The pages with a donate form: it leads to the provider, through this site's /give/ redirect.
with_donate_form = csp_replace({"form-action": DONATE_FORM_ACTION})
# ?from=<page>: where the visitor pressed Donate, passed on to the form and the click it records.
SOURCE = {"from": PagePath()}


def campaigns(request):
    """Campaigns with their words in the page's language (where written), read with the campaign."""
    return Campaign.objects.with_text_in(request.LANGUAGE_CODE)


def in_every_language(campaign, view_name="campaign"):
    """
    A campaign's page in each language: every campaign has one, with its interface, figures and form in
    that language and its words in it where they are written (else in English, marked as English), at
    its address in that language.
    """
    return {code: campaign.address_in(code, f"donations:{view_name}") for code, _name in settings.LANGUAGES}


def at_address(request, shown, slug):
    """
    The campaign of `shown` whose page in this language is at `slug`, and None; or None and the
    permanent redirect to its address here, for the English slug of a campaign written in this language
    (/es/donate/<English slug>/ before it had Spanish words). Raises 404 when no campaign is there.
    """
    language = request.LANGUAGE_CODE
    found = list(shown.at_address(slug, language)[:2])
    for campaign in found:
        if campaign.slug_in(language) == slug:
            return campaign, None
    if not found:
        raise Http404("No such campaign.")
    # Only ever an address this site reverses, never one made of what was asked for.
    return None, HttpResponsePermanentRedirect(found[0].address_in(language, request.resolver_match.view_name))


def exists_here(slug):
    """`page_exists`: a published campaign's page in the active language is at `slug` (not a redirect)."""
    return Campaign.objects.published_at(slug, translation.get_language())


@with_donate_form
@query_parameters(**SOURCE)
def donate_index(request):
    """The featured campaign, or the list of active ones when none is featured."""
    source = request.GET.get("from", "")
    featured = campaigns(request).featured().with_totals().prefetch_related("amounts").first()
    if featured is not None:
        context = {"campaign": featured, "is_donate_index": True, "donate_source": source}
        return render(request, "donations/campaign_detail.html", context)
    context = {"campaigns": campaigns(request).active().with_totals(), "donate_source": source}
    return render(request, "donations/campaign_list.html", context)


@page_exists(exists_here)
@with_donate_form
@query_parameters(**SOURCE)
def campaign_detail(request, slug):
    shown = campaigns(request).visible_to(request.user).with_totals().prefetch_related("amounts")
    campaign, redirect = at_address(request, shown, slug)
    if redirect:
        return redirect
    context = {
        "campaign": campaign,
        "donate_source": request.GET.get("from", ""),
        "alternates": alternates(request, in_every_language(campaign)),
    }
    if not campaign.is_active():
        context["featured"] = campaigns(request).featured().with_totals().exclude(pk=campaign.pk).first()
    response = render(request, "donations/campaign_detail.html", context)
    return keep_draft_private(response, campaign)


@never_stored
@require_safe
@never_cache
@query_parameters(amount=Raw(), custom_amount=Raw(), frequency=Raw(), **{"from": Raw()})
def give(request, slug):
    """
    Send the donor to the provider. Only the campaign's stored, validated link
    is ever used; the request only chooses the amount and frequency.
    """
    # Either of its slugs here: a form or link from before its Spanish address still leads to the provider.
    campaign = campaigns(request).at_address(slug, request.LANGUAGE_CODE).first()
    if campaign is None:
        raise Http404("No such campaign.")
    source = source_path(request)
    if not campaign.is_active():
        featured = campaigns(request).featured().exclude(pk=campaign.pk).first()
        published = campaign.is_published
        status = 410 if published and campaign.has_ended() else 404
        context = {"campaign": campaign if published else None, "featured": featured, "donate_source": source}
        return render(request, "donations/campaign_closed.html", context, status=status)
    try:
        gift = parse_gift(request.GET, campaign)
    except GiftError as error:
        context = {"campaign": campaign, "message": str(error), "donate_source": source}
        return render(request, "donations/give_error.html", context, status=400)
    if is_counted(request, campaign):
        click = DonateClick.objects.create(
            campaign=campaign,
            amount=gift.amount,
            frequency=gift.frequency,
            source_path=source,
        )
        # The click's reference goes to the provider and comes back with the gift (donations.webhooks).
        gift = replace(gift, click_reference=click.reference)
    # The provider's page in the language of the page the donor gave from, where it documents one.
    return HttpResponseRedirect(provider_url(campaign, gift, language=request.LANGUAGE_CODE))


@query_parameters()
def thanks(request):
    return render(request, "donations/thanks.html", {"campaign": None})


@page_exists(exists_here)
@query_parameters()
def campaign_thanks(request, slug):
    # With its totals (in the same query): a campaign not written in this language is told apart by its figures.
    campaign, redirect = at_address(request, campaigns(request).published().with_totals(), slug)
    if redirect:
        return redirect
    context = {"campaign": campaign, "alternates": alternates(request, in_every_language(campaign, "campaign_thanks"))}
    return render(request, "donations/thanks.html", context)


@csrf_exempt  # Stripe cannot hold a CSRF token; its signature takes the token's place (donations.webhooks)
@require_POST
@never_cache
def stripe_webhook(request):
    """Stripe's notification of a gift, refund or dispute: verified, then counted once."""
    secrets = settings.STRIPE_WEBHOOK_SECRETS
    if not secrets:
        # Stripe retries for three days: set STRIPE_WEBHOOK_SECRET and nothing is lost.
        unset = "This site has no Stripe webhook secret set (STRIPE_WEBHOOK_SECRET)."
        return JsonResponse({"error": unset}, status=503)
    try:
        outcome, changed = handle(verify(request.body, request.headers.get("Stripe-Signature", ""), secrets))
    except Refused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    if changed is not None:
        # Its pages are stale now: rendered here, where nobody waits, rather than by their next readers.
        render_again(request, changed.pages_with_figures())
    return JsonResponse({"received": True, "outcome": outcome})
