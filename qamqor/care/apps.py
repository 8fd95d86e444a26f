from importlib import import_module

from django.apps import AppConfig


class CareConfig(AppConfig):
    """Consent, the crisis exception, consultations, supervision, work log, appeals."""

    name = "qamqor.care"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
