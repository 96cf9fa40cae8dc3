from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "faq"
    verbose_name = "Questions and answers"

    def ready(self):
        from . import signals  # noqa: F401 - keeps treatment pages' question links current
