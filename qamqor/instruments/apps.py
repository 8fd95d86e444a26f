from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class InstrumentsConfig(AppConfig):
    name = "qamqor.instruments"
    verbose_name = "Standardized instruments"

    def ready(self) -> None:
        """Validate every instrument definition now: a bad file stops the start-up."""
        from qamqor.instruments import definitions

        try:
            definitions.load_all()
        except ValueError as error:
            raise ImproperlyConfigured(f"instrument definition: {error}") from error
