from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Running the site"

    def ready(self):
        from operations import checks  # noqa: F401 - importing it registers the deployment checks
