from importlib import import_module

from django.apps import AppConfig


class AppealsConfig(AppConfig):
    """Anonymous appeals of specialists to the coordinating body (brief 1.5.4)."""

    name = "qamqor.appeals"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
