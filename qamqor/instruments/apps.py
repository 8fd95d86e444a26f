from importlib import import_module

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class InstrumentsConfig(AppConfig):
    name = "qamqor.instruments"
    verbose_name = "Standardized instruments"

    def ready(self) -> None:
        """Register the access rules; validate every instrument definition now: a bad
        file stops the start-up."""
        import_module(f"{self.name}.rules")
        from qamqor.instruments import definitions

        try:
            definitions.load_all()
        except ValueError as error:
            raise ImproperlyConfigured(f"instrument definition: {error}") from error
