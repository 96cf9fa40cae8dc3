import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.site import absolute_url

register = template.Library()

# The same characters json_script escapes, so that no text can close the tag.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """Structured data for search engines, as an inert JSON-LD block."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """The public address of a path, for canonical, Open Graph and JSON-LD links."""
    return absolute_url(context["request"], path)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """
    This list's address at another page, keeping the parameters its view
    reads (a tag, a search) and nothing else (core.query): the first page is
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
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.simple_tag(takes_context=True)
def next_steps(context, item):
    """What the member of staff reading a draft does to make it public (PublishableModel.next_steps)."""
    return item.next_steps(context["request"].user)
