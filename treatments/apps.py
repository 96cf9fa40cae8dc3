from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    # Its rows appear on public pages: saving one makes stored pages stale (core.apps).
    public_content = True
    verbose_name = "Treatments"
