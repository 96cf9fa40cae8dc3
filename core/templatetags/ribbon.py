import datetime
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template import TemplateSyntaxError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

from core.site import absolute_url, fixed_url

register = template.Library()

# The same characters json_script escapes, so that no text can close the tag.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """Structured data for search engines, as an inert JSON-LD block."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.filter
def written_in(text, language):
    """
    `text`, marked as written in `language` where the page is in another (a campaign not yet translated,
    a reviewer's name and credentials as they wrote them): screen readers then say it as its language.
    """
    if not text or not language or language == get_language():
        return text
    return format_html('<span lang="{}">{}</span>', language, text)


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """The public address of a path, for canonical, Open Graph and JSON-LD links."""
    return absolute_url(context["request"], path)


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, *trail, here, here_shown=True, public=True):
    """
    The breadcrumb trail a reader sees and its schema.org BreadcrumbList for
    search engines, made from one list so that the two cannot differ. `trail`
    is name, path pairs after Home; `here` names this page, which ends the
    list: shown as the trail's last step, or (here_shown=False, a trail that
    stops at the page's parent) only in the data. A page the public cannot
    see (public=False: a draft or a scheduled page) gets no structured data.
    """
    if len(trail) % 2:
        raise TemplateSyntaxError("breadcrumbs takes a name and a path for each step before this page")
    request = context["request"]
    steps = [(gettext("Home"), fixed_url("home")), *zip(trail[::2], trail[1::2], strict=True)]
    data = None
    if public:
        every = [*steps, (here, request.path)]
        data = {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": number, "name": str(name), "item": absolute_url(request, path)}
                for number, (name, path) in enumerate(every, start=1)
            ],
        }
    return {"steps": steps, "here": here if here_shown else None, "structured_data": data}


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """
    This list's address at another page, keeping the parameters its view
    reads (a tag, a search) and nothing else (pagecache.parameters): the first page is
    the address without a page number.
    """
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    if number > 1:
        query["page"] = number
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else request.path


@register.filter
def duration(value):
    """A timedelta as people say it: "15 minutes", "1 hour", "1 hour 30 minutes"."""
    if not hasattr(value, "total_seconds"):
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours})
    if minutes:
        parts.append(ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes})
    return " ".join(parts)


@register.filter
def datetime_attribute(value):
    """
    A moment as a <time datetime="…"> attribute: local time to the second with
    its offset ("2026-05-01T09:30:00+01:00"). Django's |date:"c" adds six digits
    of a second's fraction, which HTML does not allow (at most three), and no
    reader needs a fraction of a second.
    """
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


@register.simple_tag(takes_context=True)
def next_steps(context, item):
    """What the member of staff reading a draft does to make it public (PublishableModel.next_steps)."""
    return item.next_steps(context["request"].user)
