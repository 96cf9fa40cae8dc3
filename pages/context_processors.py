from core.site import fixed_url

SECTIONS = {
    "home": "home",
    "treatments": "treatments:list",
    "articles": "articles:list",
    "faq": "faq:index",
    "glossary": "glossary:index",
    "donate": "donations:index",
    "search": "search",
}


def sections(request):
    """The addresses of the site's sections, for the header, breadcrumbs and links between pages."""
    return {"urls": {name: fixed_url(viewname) for name, viewname in SECTIONS.items()}}
