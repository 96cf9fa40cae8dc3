from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    # Its rows appear on public pages: saving one makes stored pages stale (core.apps).
    public_content = True
    verbose_name = "Treatments"

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers that keep search text in step with tags
