from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "donations"
    # Its rows appear on public pages: saving one makes stored pages stale (core.apps).
    public_content = True
    verbose_name = "Donations"
