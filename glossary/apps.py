from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "glossary"
    # Its rows appear on public pages: saving one makes stored pages stale (core.apps).
    public_content = True
    verbose_name = "Glossary"

    def ready(self):
        from core.terms import use_terms

        from . import models

        use_terms(models.terms_to_link)  # the pages' stored HTML links the first use of each term
