from importlib import import_module

from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The recommendations tracker: where each recommendation of the brief stands (brief 3.2.2)."""

    name = "qamqor.oversight"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
