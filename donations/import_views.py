"""The campaign admin's page for importing a provider's CSV export (donations.gift_imports)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .gift_imports import FORMATS, MAX_BYTES, MAX_PROBLEMS_SHOWN, ExportError, import_export


class ImportForm(forms.Form):
    provider = forms.ChoiceField(
        label="Whose export is it?",
        choices=[(key, export.name) for key, export in FORMATS.items()],
        help_text="Stripe's gifts arrive by its webhook and need no import.",
    )
    export = forms.FileField(
        label="The CSV file",
        help_text=(
            f"Download the donations from the provider's dashboard as CSV (at most {MAX_BYTES // (1024 * 1024)} MB). "
            "Rows already imported are recognised by their transaction id and counted once."
        ),
    )


def import_gifts(model_admin, request, object_id):
    campaign = model_admin.get_object(request, object_id)
    if campaign is None:
        raise Http404("No such campaign.")
    if not model_admin.has_change_permission(request, campaign):
        raise PermissionDenied
    provider = campaign.provider.key if campaign.provider and campaign.provider.key in FORMATS else None
    problems = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["export"]
            try:
                if upload.size > MAX_BYTES:
                    raise ExportError([(1, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")])
                report = import_export(campaign, form.cleaned_data["provider"], upload.read())
            except ExportError as error:
                problems = error.problems
                form.add_error("export", "Nothing was imported: correct the lines below and import the file again.")
            else:
                lines = list(report.lines(campaign))
                messages.success(request, f"{upload.name}: {lines[0]}")
                for line in lines[1:]:
                    messages.warning(request, line)
                return HttpResponseRedirect(reverse("admin:donations_campaign_change", args=[campaign.pk]))
    else:
        form = ImportForm(initial={"provider": provider})
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Import gifts into “{campaign.title}”",
        "campaign": campaign,
        "opts": model_admin.model._meta,
        "form": form,
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "more_problems": max(len(problems) - MAX_PROBLEMS_SHOWN, 0),
    }
    return TemplateResponse(request, "admin/donations/import_gifts.html", context)
