from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "faq"
    # Its rows appear on public pages: saving one makes stored pages stale (core.apps).
    public_content = True
    verbose_name = "Questions and answers"
