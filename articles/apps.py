from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    # Its rows appear on public pages: saving one makes stored pages stale (core.apps).
    public_content = True
    verbose_name = "Articles"

    def ready(self):
        from . import signals  # noqa: F401 - keeps an article's search text in step with its tags and questions
