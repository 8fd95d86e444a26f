from importlib import import_module

from django.apps import AppConfig


class HelplineConfig(AppConfig):
    """The 111 contact center: operators' call cards and the telephony system's call records."""

    name = "qamqor.helpline"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
