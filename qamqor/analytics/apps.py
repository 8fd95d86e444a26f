from importlib import import_module

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "qamqor.analytics"

    def ready(self) -> None:
        import_module(f"{self.name}.rules")  # registers the app's page gates
        # the statistics count what the domain apps announce (decision 0014)
        import_module(f"{self.name}.deltas").connect()
