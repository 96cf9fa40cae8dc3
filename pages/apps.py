from django.apps import AppConfig


class PagesConfig(AppConfig):
    """
    The app that assembles the site from the content apps: the home page, the
    error pages, the header's sections, the demo and volume content. It sits
    on top: it may import every content app, and none of them imports it.
    """

    name = "pages"
    verbose_name = "Site pages"
