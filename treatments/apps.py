from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Treatments"

    def ready(self):
        from . import signals  # noqa: F401 - connects the facts-HTML receivers
