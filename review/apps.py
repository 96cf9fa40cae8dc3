from django.apps import AppConfig


class ReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "review"
    verbose_name = "Medical review"
    # A reviewer's name and credentials are printed on the pages they approved (pagecache.apps.shows_on_pages).
    public_content = True
