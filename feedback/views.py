"""
POST /feedback/ from the form at the foot of treatment, question and glossary
pages. Those pages come from the page cache, which cannot carry a
per-visitor CSRF token, so the form has none; instead (SECURITY.md):

- the request must come from one of this site's own pages: its Origin (or,
  failing that, its Referer) is this site, so another site cannot post on a
  visitor's behalf;
- it must be about a public page that has the form;
- one answer per page per visitor for ten minutes, and a few dozen an hour,
  counted by a keyed hash of the address in the cache, never stored.

Once the page is known to be one that asks, every answer leads back to it:
a reader who answered twice is thanked, not scolded. The way back is only
ever that checked path on this site, never an address the form could name.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from core.clients import within_limit
from pagecache.parameters import Parameter, is_public_page, query_parameters

from .models import COMMENT_MAX, Feedback, without_contact_details

# The views whose pages ask "Was this page helpful?" (their templates include includes/feedback.html).
ASKED_ON = {"treatments:detail", "faq:question", "glossary:index"}
SAME_PAGE_SECONDS = 600
PER_HOUR = 30


def _from_this_site(request):
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER") or ""
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    if settings.SITE_URL:
        allowed.add(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}" in allowed


def _asked_on(path):
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in ASKED_ON and is_public_page(path)


def _refuse(request, status, message, back=""):
    return render(request, "feedback/refused.html", {"message": message, "back": back}, status=status)


@csrf_exempt
def give_feedback(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _from_this_site(request):
        return _refuse(request, 403, _("Feedback can only be sent from the form on one of our pages."))
    path = request.POST.get("path", "")
    if len(path) > 300 or not path.startswith("/") or not _asked_on(path):
        return _refuse(request, 400, _("We could not tell which page this feedback was about."))
    answer = request.POST.get("helpful")
    if answer not in {"yes", "no"}:
        return _refuse(request, 400, _("Choose “Yes” or “No” to say whether the page helped."), back=path)
    comment = " ".join(request.POST.get("comment", "").split())
    if len(comment) > COMMENT_MAX:
        message = ngettext(
            "Keep the note to %(max)s character, please.", "Keep the note to %(max)s characters, please.", COMMENT_MAX
        ) % {"max": COMMENT_MAX}
        return _refuse(request, 400, message, back=path)
    if not within_limit(request, f"feedback|{path}", 1, SAME_PAGE_SECONDS):
        return render(request, "feedback/thanks.html", {"back": path, "already": True}, status=429)
    if not within_limit(request, "feedback", PER_HOUR, 3600):
        message = _(
            "We have had many answers from your connection in the last hour, so this one was not kept. "
            "Please try again later."
        )
        return _refuse(request, 429, message, back=path)
    Feedback.objects.create(path=path, helpful=answer == "yes", comment=without_contact_details(comment))
    response = HttpResponseRedirect(f"{reverse('feedback:thanks')}?{urlencode({'page': path})}")
    response.status_code = 303  # see the thanks page with a GET, whatever the form was sent with
    return response


class _AskedOnPage(Parameter):
    """The page the thanks leads back to: only ever a public page that asks for feedback (else left out)."""

    def canonical(self, raw):
        path = raw.strip()
        return path if len(path) <= 300 and path.startswith("/") and _asked_on(path) else None


@query_parameters(page=_AskedOnPage())
def thanks(request):
    return render(request, "feedback/thanks.html", {"back": request.GET.get("page", "")})
