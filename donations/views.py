from dataclasses import replace

from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from core.models import keep_draft_private
from pagecache.parameters import PagePath, Raw, never_stored, page_exists, query_parameters

from .donate_query import GiftError, is_counted, parse_gift, source_path
from .models import Campaign, DonateClick
from .providers import DONATE_FORM_ACTION, provider_url
from .webhooks import Refused, handle, verify

# The pages with a donate form: it leads to the provider, through this site's /give/ redirect.
with_donate_form = csp_replace({"form-action": DONATE_FORM_ACTION})
# ?from=<page>: where the visitor pressed Donate, passed on to the form and the click it records.
SOURCE = {"from": PagePath()}


@with_donate_form
@query_parameters(**SOURCE)
def donate_index(request):
    """The featured campaign, or the list of active ones when none is featured."""
    source = request.GET.get("from", "")
    featured = Campaign.objects.featured().with_totals().prefetch_related("amounts").first()
    if featured is not None:
        context = {"campaign": featured, "is_donate_index": True, "donate_source": source}
        return render(request, "donations/campaign_detail.html", context)
    context = {"campaigns": Campaign.objects.active().with_totals(), "donate_source": source}
    return render(request, "donations/campaign_list.html", context)


@page_exists(lambda slug: Campaign.objects.published().filter(slug=slug).exists())
@with_donate_form
@query_parameters(**SOURCE)
def campaign_detail(request, slug):
    campaigns = Campaign.objects.visible_to(request.user).with_totals().prefetch_related("amounts")
    campaign = get_object_or_404(campaigns, slug=slug)
    context = {"campaign": campaign, "donate_source": request.GET.get("from", "")}
    if not campaign.is_active():
        context["featured"] = Campaign.objects.featured().with_totals().exclude(pk=campaign.pk).first()
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
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise Http404("No such campaign.")
    source = source_path(request)
    if not campaign.is_active():
        featured = Campaign.objects.featured().exclude(pk=campaign.pk).first()
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
    return HttpResponseRedirect(provider_url(campaign, gift))


@query_parameters()
def thanks(request):
    return render(request, "donations/thanks.html", {"campaign": None})


@page_exists(lambda slug: Campaign.objects.published().filter(slug=slug).exists())
@query_parameters()
def campaign_thanks(request, slug):
    campaign = get_object_or_404(Campaign.objects.published(), slug=slug)
    return render(request, "donations/thanks.html", {"campaign": campaign})


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
        outcome = handle(verify(request.body, request.headers.get("Stripe-Signature", ""), secrets))
    except Refused as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"received": True, "outcome": outcome})
