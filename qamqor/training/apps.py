from importlib import import_module

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Training programmes and specialists' records.

    Enrolments, certificates and methodological days (brief 1.7.2-1.7.3, 2.3.2-2.3.5,
    2.3.9).
    """

    name = "qamqor.training"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's access rules
